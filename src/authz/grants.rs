//! What a role confers ([`RoleGrants`]), what an actor holds ([`Grants`]: their role's grants
//! plus their teams), where a conversation or contact sits ([`Placement`]), and the scope a
//! list is cut to ([`ListScope`]).
//!
//! Visibility of a record is one rule, [`ListScope::admits`]: the scope (own: assigned to me;
//! team: in one of my teams or assigned to me; all) AND every restricted label on the contact
//! is one the actor's role was granted. `store/` writes the same rule as SQL; a property test
//! checks the two agree.

use std::collections::{BTreeMap, BTreeSet};

use super::permission::{Permission, Scope};
use crate::domain::{LabelId, RoleSlug, TeamId, UserId};

/// Which restricted labels a role may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelAccess {
    /// Every label, including ones created later.
    All,
    /// Only these restricted labels.
    Only(BTreeSet<LabelId>),
}

impl LabelAccess {
    /// No restricted label.
    pub fn none() -> Self {
        Self::Only(BTreeSet::new())
    }

    /// Whether a contact carrying `label` (a restricted label) may be seen.
    pub fn sees(&self, label: LabelId) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(&label),
        }
    }

    /// Whether everything `other` sees, this sees too.
    pub fn includes(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::All, _) => true,
            (Self::Only(_), Self::All) => false,
            (Self::Only(mine), Self::Only(theirs)) => theirs.is_subset(mine),
        }
    }
}

/// What a role confers: permissions (with a scope where one applies) and label access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrants {
    permissions: BTreeMap<Permission, Scope>,
    labels: LabelAccess,
}

impl RoleGrants {
    /// Grants of `permissions`; an unscoped permission's scope is ignored (stored as `All`), and
    /// a permission listed twice keeps its widest scope.
    pub fn new(permissions: impl IntoIterator<Item = (Permission, Scope)>, labels: LabelAccess) -> Self {
        let mut map = BTreeMap::new();
        for (p, s) in permissions {
            let s = if p.scoped() { s } else { Scope::All };
            let held = map.entry(p).or_insert(s);
            *held = (*held).max(s);
        }
        Self { permissions: map, labels }
    }

    /// The scope `permission` is granted with, if it is.
    pub fn scope(&self, permission: Permission) -> Option<Scope> {
        self.permissions.get(&permission).copied()
    }

    /// Every granted permission with its scope.
    pub fn permissions(&self) -> impl Iterator<Item = (Permission, Scope)> + '_ {
        self.permissions.iter().map(|(p, s)| (*p, *s))
    }

    /// The restricted labels the role may see.
    pub fn labels(&self) -> &LabelAccess {
        &self.labels
    }

    /// Whether holding `self` means holding everything `other` confers, each permission with
    /// at least the same scope. The first permission that is not covered, if any.
    pub fn first_not_covering(&self, other: &Self) -> Option<Permission> {
        other.permissions().find(|(p, s)| self.scope(*p).is_none_or(|mine| mine < *s)).map(|(p, _)| p)
    }

    /// Whether `self` confers anything `before` did not (a permission, a wider scope, labels):
    /// going from `before` to `self` is an escalation.
    pub fn exceeds(&self, before: &Self) -> bool {
        before.first_not_covering(self).is_some() || !before.labels().includes(self.labels())
    }
}

/// What an actor holds: their role's grants and the teams they are a member of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    role: RoleSlug,
    conferred: RoleGrants,
    teams: BTreeSet<TeamId>,
}

impl Grants {
    /// An actor with `role`'s grants, in `teams`.
    pub fn new(role: RoleSlug, conferred: RoleGrants, teams: impl IntoIterator<Item = TeamId>) -> Self {
        Self { role, conferred, teams: teams.into_iter().collect() }
    }

    /// The role these grants come from.
    pub fn role(&self) -> &RoleSlug {
        &self.role
    }

    /// What the role confers.
    pub fn conferred(&self) -> &RoleGrants {
        &self.conferred
    }

    /// The teams the actor is a member of.
    pub fn teams(&self) -> &BTreeSet<TeamId> {
        &self.teams
    }

    /// Whether the permission is granted (in any scope).
    pub fn has(&self, permission: Permission) -> bool {
        self.conferred.scope(permission).is_some()
    }

    /// Whether the actor may see a label (and so the contacts carrying it): any unrestricted
    /// label, and restricted ones their role was granted.
    pub fn sees_label(&self, label: LabelId, restricted: bool) -> bool {
        !restricted || self.conferred.labels.sees(label)
    }

    /// The granted permissions' names, sorted (`session.capabilities`).
    pub fn capability_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.conferred.permissions().map(|(p, _)| p.as_str()).collect();
        names.sort_unstable();
        names
    }

    /// How far `permission` reaches for `me`, as a list filter; `None` without the permission.
    pub fn list_scope(&self, permission: Permission, me: UserId) -> Option<ListScope> {
        let scope = self.conferred.scope(permission)?;
        Some(ListScope {
            user: me,
            scope,
            teams: self.teams.iter().copied().collect(),
            labels: self.conferred.labels.clone(),
        })
    }
}

/// Where a conversation or contact sits: what visibility depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The team it belongs to.
    pub team: TeamId,
    /// The agent it is assigned to, if any.
    pub assignee: Option<UserId>,
    /// The restricted labels on its contact.
    pub restricted_labels: Vec<LabelId>,
}

/// A list cut to what one actor may see with one permission. The store turns it into SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListScope {
    /// The actor (for `own`).
    pub user: UserId,
    /// How far.
    pub scope: Scope,
    /// The actor's teams (for `team`).
    pub teams: Vec<TeamId>,
    /// The restricted labels the actor may see.
    pub labels: LabelAccess,
}

impl ListScope {
    /// Whether a record placed at `placement` is inside this scope. The SQL in `store/`
    /// implements exactly this.
    pub fn admits(&self, placement: &Placement) -> bool {
        let mine = placement.assignee == Some(self.user);
        let reach = match self.scope {
            Scope::Own => mine,
            Scope::Team => mine || self.teams.contains(&placement.team),
            Scope::All => true,
        };
        reach && placement.restricted_labels.iter().all(|l| self.labels.sees(*l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn scope(scope: Scope, labels: LabelAccess) -> ListScope {
        ListScope { user: UserId::new(1), scope, teams: vec![TeamId::new(10)], labels }
    }

    fn at(team: i64, assignee: Option<i64>, labels: &[i64]) -> Placement {
        Placement {
            team: TeamId::new(team),
            assignee: assignee.map(UserId::new),
            restricted_labels: labels.iter().copied().map(LabelId::new).collect(),
        }
    }

    fn only(ids: &[i64]) -> LabelAccess {
        LabelAccess::Only(ids.iter().copied().map(LabelId::new).collect())
    }

    #[rstest]
    #[case::own_sees_mine_in_another_team(Scope::Own, at(20, Some(1), &[]), true)]
    #[case::own_does_not_see_my_teams_unassigned(Scope::Own, at(10, None, &[]), false)]
    #[case::team_sees_my_team(Scope::Team, at(10, None, &[]), true)]
    #[case::team_sees_mine_elsewhere(Scope::Team, at(20, Some(1), &[]), true)]
    #[case::team_does_not_see_another_team(Scope::Team, at(20, None, &[]), false)]
    #[case::team_does_not_see_a_colleague_elsewhere(Scope::Team, at(20, Some(2), &[]), false)]
    #[case::all_sees_another_team(Scope::All, at(20, Some(2), &[]), true)]
    #[case::all_does_not_see_a_restricted_label(Scope::All, at(20, None, &[7]), false)]
    #[case::team_does_not_see_a_restricted_label_in_my_team(Scope::Team, at(10, Some(1), &[7]), false)]
    fn visibility(#[case] s: Scope, #[case] placement: Placement, #[case] visible: bool) {
        assert_eq!(scope(s, LabelAccess::none()).admits(&placement), visible);
    }

    #[rstest]
    #[case::granted_label(only(&[7]), &[7], true)]
    #[case::one_of_two_labels(only(&[7]), &[7, 8], false)]
    #[case::all_labels(LabelAccess::All, &[7, 8], true)]
    fn labels(#[case] access: LabelAccess, #[case] on: &[i64], #[case] visible: bool) {
        assert_eq!(scope(Scope::All, access).admits(&at(20, None, on)), visible);
    }

    #[rstest]
    #[case::same(&[(Permission::ConversationsView, Scope::Team)], &[(Permission::ConversationsView, Scope::Team)], None)]
    #[case::narrower(&[(Permission::ConversationsView, Scope::All)], &[(Permission::ConversationsView, Scope::Own)], None)]
    #[case::wider(&[(Permission::ConversationsView, Scope::Team)], &[(Permission::ConversationsView, Scope::All)], Some(Permission::ConversationsView))]
    #[case::missing(&[(Permission::ConversationsView, Scope::All)], &[(Permission::RolesManage, Scope::All)], Some(Permission::RolesManage))]
    fn covering(
        #[case] mine: &[(Permission, Scope)],
        #[case] theirs: &[(Permission, Scope)],
        #[case] first_missing: Option<Permission>,
    ) {
        let mine = RoleGrants::new(mine.iter().copied(), LabelAccess::none());
        let theirs = RoleGrants::new(theirs.iter().copied(), LabelAccess::none());
        assert_eq!(mine.first_not_covering(&theirs), first_missing);
    }
}
