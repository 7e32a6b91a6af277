//! Where a region is and who may keep data there: a region's place (cloud provider, ISO 3166
//! location, jurisdiction), the classifications a workspace carries (`pii`, `phi`, ...), and an
//! organization's residency policy, which says in which jurisdictions or countries its
//! workspaces (or those of a classification) may live.
//!
//! A policy lists *places*: a jurisdiction code (`EU`) or an ISO 3166-1 country code (`DE`).
//! A region satisfies a place when its jurisdiction or its country is that code, so "only in
//! `EU`" and "only in `DE`" both mean what a compliance officer expects. A region whose place
//! is unknown satisfies no restriction: nobody can vouch for where its data lives.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::Region;

/// Every ISO 3166-1 alpha-2 country code (officially assigned).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK \
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU \
GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY \
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU \
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// The member states of the European Union: a region located in one of them is in
/// jurisdiction `EU` unless it says otherwise.
const EU_MEMBERS: &str =
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE";

/// Jurisdictions the forms suggest (any other code of 2 to 8 letters is accepted too).
pub const KNOWN_JURISDICTIONS: &[(&str, &str)] = &[
    ("EU", "European Union (GDPR)"),
    ("US", "United States (HIPAA)"),
    ("CA", "Canada (PIPEDA)"),
    ("AU", "Australia (APPs)"),
    ("CN", "China (PIPL)"),
    ("GB", "United Kingdom (UK GDPR)"),
    ("CH", "Switzerland (FADP)"),
    ("JP", "Japan (APPI)"),
    ("IN", "India (DPDP)"),
    ("BR", "Brazil (LGPD)"),
    ("SG", "Singapore (PDPA)"),
];

/// Cloud providers the forms suggest (any other name is accepted too).
pub const KNOWN_PROVIDERS: &[&str] = &[
    "AWS",
    "Google Cloud",
    "Azure",
    "OVHcloud",
    "Hetzner",
    "Scaleway",
    "Alibaba Cloud",
    "Oracle Cloud",
    "On-premises",
];

/// Classifications the forms suggest (any other of the same shape is accepted too).
pub const KNOWN_CLASSIFICATIONS: &[(&str, &str)] = &[
    ("pii", "personal data"),
    ("phi", "health data"),
    ("pci", "card data"),
];

fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

/// A region's location: an ISO 3166-1 alpha-2 country code, optionally with an ISO 3166-2
/// subdivision (`DE`, `US-CA`, `DE-HE`). Upper-cased when parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Location(String);

impl Location {
    pub const RULES: &'static str =
        "An ISO 3166 country code, optionally with a subdivision: DE, US-CA, DE-HE.";

    pub fn parse(raw: &str) -> Result<Location, String> {
        let code = raw.trim().to_ascii_uppercase();
        let (country, subdivision) = match code.split_once('-') {
            Some((c, s)) => (c, Some(s)),
            None => (code.as_str(), None),
        };
        if !is_country(country) {
            return Err(format!(
                "'{}' is not an ISO 3166 country code. {}",
                country.escape_default(),
                Self::RULES
            ));
        }
        if let Some(sub) = subdivision
            && (sub.is_empty() || sub.len() > 3 || !sub.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(format!(
                "'{}' is not an ISO 3166-2 subdivision (1 to 3 letters or digits after the country, as in US-CA).",
                sub.escape_default()
            ));
        }
        Ok(Location(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code (`US` of `US-CA`).
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The jurisdiction a region here is in unless it says otherwise: `EU` for a member
    /// state of the European Union, else the country itself.
    pub fn default_jurisdiction(&self) -> Jurisdiction {
        let country = self.country();
        let code = if EU_MEMBERS.split(' ').any(|c| c == country) {
            "EU"
        } else {
            country
        };
        Jurisdiction(code.to_owned())
    }
}

impl TryFrom<String> for Location {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Location::parse(&value)
    }
}

impl From<Location> for String {
    fn from(value: Location) -> Self {
        value.0
    }
}

/// A legal jurisdiction (`EU`, `US`, `CA`, ...) or, in a policy, a country code: 2 to 8
/// letters, upper-cased when parsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Jurisdiction(String);

impl Jurisdiction {
    pub const RULES: &'static str =
        "A code of 2 to 8 letters: a jurisdiction such as EU or a country such as DE.";

    pub fn parse(raw: &str) -> Result<Jurisdiction, String> {
        let code = raw.trim().to_ascii_uppercase();
        if !(2..=8).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "'{}' is not a jurisdiction. {}",
                code.escape_default(),
                Self::RULES
            ));
        }
        Ok(Jurisdiction(code))
    }

    /// A list typed as `EU, CA` (commas or spaces between codes); duplicates dropped, sorted.
    pub fn parse_list(raw: &str) -> Result<Vec<Jurisdiction>, String> {
        let mut codes = raw
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(Jurisdiction::parse)
            .collect::<Result<Vec<_>, _>>()?;
        codes.sort();
        codes.dedup();
        Ok(codes)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Jurisdiction {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Jurisdiction::parse(&value)
    }
}

impl From<Jurisdiction> for String {
    fn from(value: Jurisdiction) -> Self {
        value.0
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The cloud provider (or "On-premises") a region runs on: 1 to 64 printable characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Provider(String);

impl Provider {
    pub fn parse(raw: &str) -> Result<Provider, String> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err("Name the provider in 1 to 64 characters.".into());
        }
        if name.chars().any(char::is_control) {
            return Err("The provider's name can't contain control characters.".into());
        }
        Ok(Provider(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Provider {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Provider::parse(&value)
    }
}

impl From<Provider> for String {
    fn from(value: Provider) -> Self {
        value.0
    }
}

/// Where a region is, as given: every part optional. A location without a jurisdiction gets
/// the location's (see [`Location::default_jurisdiction`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub provider: Option<Provider>,
    pub location: Option<Location>,
    pub jurisdiction: Option<Jurisdiction>,
}

impl Place {
    /// Parses the three fields as typed (empty means not given), each error keyed by its
    /// field.
    pub fn parse(
        provider: &str,
        location: &str,
        jurisdiction: &str,
    ) -> Result<Place, Vec<(&'static str, String)>> {
        fn optional<T>(
            raw: &str,
            parse: fn(&str) -> Result<T, String>,
        ) -> Result<Option<T>, String> {
            if raw.trim().is_empty() {
                Ok(None)
            } else {
                parse(raw).map(Some)
            }
        }
        let provider = optional(provider, Provider::parse);
        let location = optional(location, Location::parse);
        let jurisdiction = optional(jurisdiction, Jurisdiction::parse);
        match (provider, location, jurisdiction) {
            (Ok(provider), Ok(location), Ok(jurisdiction)) => Ok(Place {
                provider,
                location,
                jurisdiction,
            }
            .completed()),
            (p, l, j) => Err([
                ("provider", p.err()),
                ("location", l.err()),
                ("jurisdiction", j.err()),
            ]
            .into_iter()
            .filter_map(|(field, e)| e.map(|e| (field, e)))
            .collect()),
        }
    }

    /// Fills in the jurisdiction from the location when only the location is known.
    pub fn completed(mut self) -> Place {
        if self.jurisdiction.is_none() {
            self.jurisdiction = self.location.as_ref().map(Location::default_jurisdiction);
        }
        self
    }
}

/// How data in a workspace is classified (`pii`, `phi`, `pci`, or an organization's own):
/// 1 to 32 lower-case letters, digits, `-` and `_`, starting with a letter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Classification(String);

impl Classification {
    pub const RULES: &'static str =
        "Lower-case words of 1 to 32 letters, digits, '-' and '_', such as pii, phi, pci.";
    /// The most classifications a workspace carries.
    pub const MAX_PER_WORKSPACE: usize = 16;

    pub fn parse(raw: &str) -> Result<Classification, String> {
        let word = raw.trim().to_ascii_lowercase();
        let mut chars = word.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !starts_with_letter
            || word.len() > 32
            || !word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(format!(
                "'{}' is not a classification. {}",
                raw.trim().escape_default(),
                Self::RULES
            ));
        }
        Ok(Classification(word))
    }

    /// A list typed as `pii, phi` (commas or spaces between words); duplicates dropped,
    /// sorted.
    pub fn parse_list(raw: &str) -> Result<Vec<Classification>, String> {
        let words: Vec<&str> = raw
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        Self::parse_all(&words)
    }

    /// Each of `words` parsed; duplicates dropped, sorted; at most [`Self::MAX_PER_WORKSPACE`].
    pub fn parse_all<S: AsRef<str>>(words: &[S]) -> Result<Vec<Classification>, String> {
        let mut all = words
            .iter()
            .map(|w| Classification::parse(w.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        all.sort();
        all.dedup();
        if all.len() > Self::MAX_PER_WORKSPACE {
            return Err(format!(
                "A workspace carries at most {} classifications.",
                Self::MAX_PER_WORKSPACE
            ));
        }
        Ok(all)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The words as stored and compared (`["phi", "pii"]`).
    pub fn words(all: &[Classification]) -> Vec<String> {
        all.iter().map(|c| c.0.clone()).collect()
    }
}

impl TryFrom<String> for Classification {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Classification::parse(&value)
    }
}

impl From<Classification> for String {
    fn from(value: Classification) -> Self {
        value.0
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Workspaces carrying `classification` may live only in `allowed_jurisdictions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    pub classification: Classification,
    pub allowed_jurisdictions: Vec<Jurisdiction>,
}

/// Where an organization's workspaces may live. Empty lists restrict nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResidencyPolicy {
    /// Every workspace may live only here (empty: anywhere).
    #[serde(default)]
    pub allowed_jurisdictions: Vec<Jurisdiction>,
    /// Further limits for workspaces carrying a classification.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

/// How the policy form types rules: one per line, `phi: US` or `pii: EU, CH`.
pub const RULE_LINE_RULES: &str =
    "One rule per line: a classification, a colon, then where it may live, as in \"phi: US\".";

impl ResidencyPolicy {
    /// The most rules a policy has, and the most places a list names.
    pub const MAX_ENTRIES: usize = 64;

    /// A policy from its parts; rules with an empty list restrict nothing and are dropped,
    /// and one classification may have one rule only.
    pub fn new(
        allowed_jurisdictions: Vec<Jurisdiction>,
        rules: Vec<PolicyRule>,
    ) -> Result<ResidencyPolicy, String> {
        // A policy people can read: far more than any jurisdiction map needs.
        if rules.len() > Self::MAX_ENTRIES
            || allowed_jurisdictions.len() > Self::MAX_ENTRIES
            || rules
                .iter()
                .any(|r| r.allowed_jurisdictions.len() > Self::MAX_ENTRIES)
        {
            return Err(format!(
                "A policy has at most {} rules, and each list at most {} places.",
                Self::MAX_ENTRIES,
                Self::MAX_ENTRIES
            ));
        }
        let mut kept: Vec<PolicyRule> = Vec::new();
        for mut rule in rules {
            rule.allowed_jurisdictions.sort();
            rule.allowed_jurisdictions.dedup();
            if rule.allowed_jurisdictions.is_empty() {
                continue;
            }
            if kept.iter().any(|r| r.classification == rule.classification) {
                return Err(format!(
                    "There are two rules for {}; write one rule per classification.",
                    rule.classification
                ));
            }
            kept.push(rule);
        }
        kept.sort_by(|a, b| a.classification.cmp(&b.classification));
        let mut allowed = allowed_jurisdictions;
        allowed.sort();
        allowed.dedup();
        Ok(ResidencyPolicy {
            allowed_jurisdictions: allowed,
            rules: kept,
        })
    }

    /// Rules as the policy form types them (see [`RULE_LINE_RULES`]).
    pub fn parse_rule_lines(raw: &str) -> Result<Vec<PolicyRule>, String> {
        raw.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(at, line)| {
                let line_no = at + 1;
                let (class, places) = line.split_once(':').ok_or_else(|| {
                    format!("Line {line_no}: {RULE_LINE_RULES}")
                })?;
                let classification = Classification::parse(class)
                    .map_err(|e| format!("Line {line_no}: {e}"))?;
                let allowed_jurisdictions = Jurisdiction::parse_list(places)
                    .map_err(|e| format!("Line {line_no}: {e}"))?;
                if allowed_jurisdictions.is_empty() {
                    return Err(format!(
                        "Line {line_no}: say where {classification} may live, as in \"{classification}: EU\"."
                    ));
                }
                Ok(PolicyRule {
                    classification,
                    allowed_jurisdictions,
                })
            })
            .collect()
    }

    /// The rules one per line, as the policy form shows them.
    pub fn rule_lines(&self) -> String {
        self.rules
            .iter()
            .map(|r| format!("{}: {}", r.classification, join(&r.allowed_jurisdictions)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.allowed_jurisdictions.is_empty() && self.rules.is_empty()
    }

    /// The first rule a workspace carrying `classifications` would break by living in
    /// `region`; `None` when the policy allows it there.
    pub fn breach(&self, classifications: &[String], region: &Region) -> Option<Breach> {
        let satisfies = |allowed: &[Jurisdiction]| {
            allowed.is_empty() || allowed.iter().any(|p| region.is_in(p))
        };
        if !satisfies(&self.allowed_jurisdictions) {
            return Some(Breach::new(
                format!("workspaces only in {}", join(&self.allowed_jurisdictions)),
                region,
            ));
        }
        self.rules
            .iter()
            .filter(|r| {
                classifications
                    .iter()
                    .any(|c| c == r.classification.as_str())
            })
            .find(|r| !satisfies(&r.allowed_jurisdictions))
            .map(|r| {
                Breach::new(
                    format!(
                        "{} only in {}",
                        r.classification,
                        join(&r.allowed_jurisdictions)
                    ),
                    region,
                )
            })
    }
}

fn join(codes: &[Jurisdiction]) -> String {
    codes
        .iter()
        .map(Jurisdiction::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A policy rule a placement would break: the rule as people say it (`phi only in US`) and a
/// sentence naming the rule and the region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    pub rule: String,
    pub message: String,
}

impl Breach {
    fn new(rule: String, region: &Region) -> Breach {
        let place = match (&region.jurisdiction, &region.location) {
            (Some(j), Some(l)) => format!("is in {j} ({l})"),
            (Some(j), None) => format!("is in {j}"),
            (None, Some(l)) => format!("is in {l}"),
            (None, None) => "has no jurisdiction or location set".to_owned(),
        };
        let message = format!(
            "The residency policy allows {rule}: region {} {place}.",
            region.name
        );
        Breach { rule, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(jurisdiction: Option<&str>, location: Option<&str>) -> Region {
        Region {
            id: uuid::Uuid::nil(),
            organization_id: uuid::Uuid::nil(),
            name: "frankfurt".into(),
            enabled: true,
            provider: None,
            location: location.map(Into::into),
            jurisdiction: jurisdiction.map(Into::into),
            managed: false,
            default_for_new_workspaces: false,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            revision: 1,
        }
    }

    fn codes(raw: &str) -> Vec<Jurisdiction> {
        Jurisdiction::parse_list(raw).unwrap()
    }

    #[test]
    fn locations_are_iso_3166_codes() {
        assert_eq!(Location::parse(" us-ca ").unwrap().as_str(), "US-CA");
        assert_eq!(Location::parse("DE").unwrap().country(), "DE");
        assert!(Location::parse("XX").is_err());
        assert!(Location::parse("USA").is_err());
        assert!(Location::parse("US-").is_err());
        assert!(Location::parse("US-CALI").is_err());
        assert_eq!(
            Location::parse("FR")
                .unwrap()
                .default_jurisdiction()
                .as_str(),
            "EU"
        );
        assert_eq!(
            Location::parse("CH")
                .unwrap()
                .default_jurisdiction()
                .as_str(),
            "CH"
        );
    }

    #[test]
    fn a_place_takes_its_jurisdiction_from_its_location_unless_given() {
        let place = Place::parse("AWS", "de-he", "").unwrap();
        assert_eq!(place.jurisdiction.unwrap().as_str(), "EU");
        let place = Place::parse("", "DE", "de").unwrap();
        assert_eq!(place.jurisdiction.unwrap().as_str(), "DE");
        let errors = Place::parse("", "ZZ", "E1").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["location", "jurisdiction"]);
    }

    #[test]
    fn classifications_are_lower_case_words() {
        let all = Classification::parse_list("PHI, pii pii").unwrap();
        let words: Vec<_> = all.iter().map(Classification::as_str).collect();
        assert_eq!(words, ["phi", "pii"]);
        assert!(Classification::parse("1pii").is_err());
        assert!(Classification::parse("p i").is_err());
        assert!(Classification::parse_list("").unwrap().is_empty());
    }

    #[test]
    fn the_organization_wide_list_binds_every_workspace() {
        let policy = ResidencyPolicy::new(codes("EU, CH"), vec![]).unwrap();
        assert!(
            policy
                .breach(&[], &region(Some("EU"), Some("DE")))
                .is_none()
        );
        // A country code in the policy matches the region's country.
        assert!(policy.breach(&[], &region(None, Some("CH-ZH"))).is_none());
        let breach = policy
            .breach(&[], &region(Some("US"), Some("US-CA")))
            .unwrap();
        assert_eq!(breach.rule, "workspaces only in CH, EU");
        assert!(breach.message.contains("region frankfurt is in US (US-CA)"));
        // Nobody can vouch for a region that says nothing about where it is.
        assert!(policy.breach(&[], &region(None, None)).is_some());
    }

    #[test]
    fn a_rule_binds_only_workspaces_of_its_classification() {
        let rules = ResidencyPolicy::parse_rule_lines("phi: us\n\npii: EU").unwrap();
        let policy = ResidencyPolicy::new(vec![], rules).unwrap();
        let eu = region(Some("EU"), Some("DE"));
        assert!(policy.breach(&[], &eu).is_none());
        assert!(policy.breach(&["pii".into()], &eu).is_none());
        let breach = policy.breach(&["pii".into(), "phi".into()], &eu).unwrap();
        assert_eq!(breach.rule, "phi only in US");
        assert_eq!(policy.rule_lines(), "phi: US\npii: EU");
    }

    #[test]
    fn rule_lines_say_which_line_is_wrong() {
        let error = ResidencyPolicy::parse_rule_lines("phi: US\npii EU").unwrap_err();
        assert!(error.starts_with("Line 2:"), "{error}");
        let error = ResidencyPolicy::parse_rule_lines("phi:").unwrap_err();
        assert!(error.contains("say where phi may live"), "{error}");
        let twice = ResidencyPolicy::parse_rule_lines("phi: US\nphi: CA").unwrap();
        assert!(ResidencyPolicy::new(vec![], twice).is_err());
    }
}
