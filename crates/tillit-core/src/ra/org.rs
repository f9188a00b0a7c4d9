//! The organisation tree (R-ORG-1): an organisation, its group companies and their units.
//! Every right is granted on a subtree; [`OrgTree::within`] is the one scope test.

use std::collections::HashMap;

use crate::id::OrgNumber;
use crate::ra::ids::OrgId;
use crate::ra::rule::Refusal;

/// What a node of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The organisation that runs the RA (a municipality, region or agency).
    Organisation,
    /// A company in the organisation's group (R-PER-2, R-CARD-2).
    GroupCompany,
    /// A unit (department, school, ward) of an organisation or group company.
    Unit,
}

impl OrgKind {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Organisation => "organisation",
            OrgKind::GroupCompany => "group_company",
            OrgKind::Unit => "unit",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<OrgKind> {
        [OrgKind::Organisation, OrgKind::GroupCompany, OrgKind::Unit].into_iter().find(|k| k.as_str() == text)
    }
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Its id.
    pub id: OrgId,
    /// The node above it; `None` only for a top-level organisation.
    pub parent: Option<OrgId>,
    /// What it is.
    pub kind: OrgKind,
    /// Its name.
    pub name: String,
    /// Its organisation number, for organisations and group companies.
    pub org_number: Option<OrgNumber>,
    /// Its code in the HR register, used by the HR import to place employments.
    pub hr_code: Option<String>,
}

/// The whole tree, read from the store for a request or a routine.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    nodes: HashMap<OrgId, Org>,
    /// HR code → node, for the HR import's per-row lookup.
    by_code: HashMap<String, OrgId>,
}

impl OrgTree {
    /// A tree of `nodes`, checked: parents exist, no cycles, only organisations at the top,
    /// group companies directly under an organisation.
    pub fn new(nodes: impl IntoIterator<Item = Org>) -> Result<OrgTree, Refusal> {
        let nodes: HashMap<OrgId, Org> = nodes.into_iter().map(|o| (o.id, o)).collect();
        let by_code = nodes.values().filter_map(|o| Some((o.hr_code.clone()?, o.id))).collect();
        let tree = OrgTree { nodes, by_code };
        for org in tree.nodes.values() {
            tree.check_placement(org)?;
        }
        for id in tree.nodes.keys() {
            // A path longer than the tree has nodes is a cycle.
            if tree.ancestors(*id).count() > tree.nodes.len() {
                return Err(Refusal::field(
                    "R-ORG-1",
                    "parent",
                    format!("organisation {id} is its own ancestor"),
                ));
            }
        }
        Ok(tree)
    }

    /// Checks that `org` may be placed where its `parent` says, in this tree.
    pub fn check_placement(&self, org: &Org) -> Result<(), Refusal> {
        let parent = match org.parent {
            None if org.kind == OrgKind::Organisation => return Ok(()),
            None => {
                return Err(Refusal::field(
                    "R-ORG-1",
                    "parent",
                    format!("a {} must be placed under an organisation", org.kind.as_str().replace('_', " ")),
                ))
            }
            Some(parent) => self
                .nodes
                .get(&parent)
                .ok_or_else(|| Refusal::field("R-ORG-1", "parent", format!("no organisation {parent}")))?,
        };
        if parent.id == org.id {
            return Err(Refusal::field("R-ORG-1", "parent", "an organisation cannot be its own parent"));
        }
        match (org.kind, parent.kind) {
            (OrgKind::Organisation, _) => Err(Refusal::field(
                "R-ORG-1",
                "kind",
                "an organisation is the top of its tree; use a unit or group company",
            )),
            (OrgKind::GroupCompany, OrgKind::Organisation) => Ok(()),
            (OrgKind::GroupCompany, _) => Err(Refusal::field(
                "R-ORG-1",
                "parent",
                "a group company is placed directly under its organisation",
            )),
            (OrgKind::Unit, _) => Ok(()),
        }
    }

    /// The node `id`.
    pub fn get(&self, id: OrgId) -> Option<&Org> {
        self.nodes.get(&id)
    }

    /// Every node.
    pub fn iter(&self) -> impl Iterator<Item = &Org> {
        self.nodes.values()
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// `id`, then its parent, up to the top.
    pub fn ancestors(&self, id: OrgId) -> impl Iterator<Item = OrgId> + '_ {
        let mut next = self.nodes.get(&id).map(|o| o.id);
        let mut steps = 0usize;
        std::iter::from_fn(move || {
            let current = next?;
            steps += 1;
            // A cycle (refused by `new`) must not loop forever here either.
            next =
                if steps > self.nodes.len() { None } else { self.nodes.get(&current).and_then(|o| o.parent) };
            Some(current)
        })
    }

    /// Whether `id` lies in the subtree rooted at `root` (R-ORG-1). A node is within itself.
    pub fn within(&self, id: OrgId, root: OrgId) -> bool {
        self.ancestors(id).any(|a| a == root)
    }

    /// The top-level organisation `id` belongs to.
    pub fn organisation_of(&self, id: OrgId) -> Option<OrgId> {
        self.ancestors(id).last()
    }

    /// The legal entity `id` belongs to: the nearest organisation or group company above or
    /// at it (R-PER-2: "the organisation or its group companies").
    pub fn legal_entity_of(&self, id: OrgId) -> Option<&Org> {
        self.ancestors(id).filter_map(|a| self.nodes.get(&a)).find(|o| o.kind != OrgKind::Unit)
    }

    /// The node whose HR code is `code`.
    pub fn by_hr_code(&self, code: &str) -> Option<&Org> {
        self.by_code.get(code).and_then(|id| self.nodes.get(id))
    }

    /// Every node in the subtree rooted at `root`, `root` included.
    pub fn subtree(&self, root: OrgId) -> Vec<OrgId> {
        self.nodes.keys().copied().filter(|id| self.within(*id, root)).collect()
    }
}
