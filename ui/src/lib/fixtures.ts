// Test data shared by the component tests.
import type { Me } from "./api";

/** An agent, fully signed in, with `changes` applied. */
export function meAs(changes: Partial<Me> = {}): Me {
  return {
    username: "anna",
    role: "agent",
    capabilities: [],
    must_change_password: false,
    second_factor_required: false,
    second_factor_enrolment_required: false,
    locked: false,
    lock_after_seconds: 300,
    second_factor_methods: [],
    ...changes,
  };
}
