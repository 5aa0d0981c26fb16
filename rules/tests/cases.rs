//! The cases in `rules/cases.json`, which the page's rules (`browser/test/rules.test.mjs`) are
//! tested against too: the same declarations give the same message in every host.

use serde_json::Value;
use sqlink_rules::collation::compare_unloaded;
use sqlink_rules::conflicts::{self, Declared};
use sqlink_rules::contract;
use sqlink_rules::metadata::{Function, Kind, Module, Table, check, check_exports};
use sqlink_rules::panic::panic_message;
use sqlink_rules::withheld::{Grants, Withheld, withheld_note};

fn cases() -> Value {
    serde_json::from_str(include_str!("../cases.json")).expect("rules/cases.json is JSON")
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string")
}

fn list<'a>(info: &'a Value, field: &str) -> &'a [Value] {
    info.get(field).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn function(kind: Kind, f: &Value) -> Function<'_> {
    Function {
        kind,
        name: text(&f["name"]),
        arity: f.get("arity").map_or(0, |a| i32::try_from(a.as_i64().expect("an arity")).expect("an i32 arity")),
        id: u32::try_from(f["id"].as_u64().expect("an id")).expect("a u32 id"),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().expect("a list").iter().map(|s| text(s).to_owned()).collect()
}

/// An extension's declarations in a case, as the rules take them.
struct Declarations<'a> {
    functions: Vec<Function<'a>>,
    /// Each table function's columns and parameters, which its `Table` borrows.
    columns: Vec<(Vec<String>, Vec<String>)>,
    /// Each module's shadow-table suffixes, which its `Module` borrows.
    shadow_names: Vec<Vec<String>>,
}

impl<'a> Declarations<'a> {
    fn of(info: &'a Value) -> Self {
        let functions = list(info, "scalars")
            .iter()
            .map(|f| function(Kind::Scalar, f))
            .chain(list(info, "aggregates").iter().map(|f| function(Kind::Aggregate, f)))
            .chain(list(info, "collations").iter().map(|f| function(Kind::Collation, f)))
            .collect();
        let columns = list(info, "tableFunctions").iter().map(|t| (strings(&t["columns"]), strings(&t["parameters"]))).collect();
        let shadow_names = list(info, "modules").iter().map(|m| strings(&m["shadowNames"])).collect();
        Declarations { functions, columns, shadow_names }
    }

    fn modules(&'a self, info: &'a Value) -> Vec<Module<'a>> {
        list(info, "modules")
            .iter()
            .zip(&self.shadow_names)
            .map(|(m, shadow_names)| Module {
                name: text(&m["name"]),
                id: u32::try_from(m["id"].as_u64().expect("an id")).expect("a u32 id"),
                shadow_names,
            })
            .collect()
    }

    fn tables(&'a self, info: &'a Value) -> Vec<Table<'a>> {
        list(info, "tableFunctions")
            .iter()
            .zip(&self.columns)
            .map(|(t, (columns, parameters))| Table {
                name: text(&t["name"]),
                id: u32::try_from(t["id"].as_u64().expect("an id")).expect("a u32 id"),
                columns,
                parameters,
            })
            .collect()
    }
}

#[test]
fn metadata_cases_give_their_messages() {
    let cases = cases();
    for case in cases["metadata"].as_array().expect("metadata cases") {
        let info = &case["info"];
        let declarations = Declarations::of(info);
        let (functions, tables, modules) = (&declarations.functions, declarations.tables(info), declarations.modules(info));
        let exports =
            |kind: Kind| case.get("exports").is_none_or(|e| e.as_array().expect("a list").iter().any(|i| text(i) == kind.interface().0));
        let hooks = info.get("hooks").and_then(Value::as_object).is_some_and(|kinds| kinds.values().any(|on| on == true));
        let mut kinds: Vec<(Kind, bool, bool)> =
            [(Kind::Aggregate, "aggregates"), (Kind::Collation, "collations"), (Kind::Table, "tableFunctions"), (Kind::Module, "modules")]
                .into_iter()
                .map(|(kind, field)| (kind, !list(info, field).is_empty(), exports(kind)))
                .collect();
        kinds.push((Kind::Hooks, hooks, exports(Kind::Hooks)));
        let name = text(&info["name"]);
        let got = check(name, functions, &tables, &modules).and_then(|()| check_exports(name, &kinds)).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), case["error"].as_str(), "case {info}");
    }
}

#[test]
fn panic_cases_give_their_messages() {
    let cases = cases();
    for case in cases["panic"].as_array().expect("panic cases") {
        assert_eq!(panic_message(text(&case["stderr"])).as_deref(), case["message"].as_str(), "case {case}");
    }
}

#[test]
fn withheld_cases_give_their_notes() {
    let cases = cases();
    for case in cases["withheld"].as_array().expect("withheld cases") {
        let withheld =
            Withheld { files: case["files"].as_bool().expect("files"), environment: case["environment"].as_bool().expect("environment") };
        let grants = match &case["grants"] {
            Value::Null => Grants::None,
            names => Grants::Named { dir: text(&names["dir"]), env: text(&names["env"]) },
        };
        assert_eq!(withheld_note(withheld, grants).as_deref(), case["note"].as_str(), "case {case}");
    }
}

#[test]
fn conflict_cases_give_their_messages() {
    let cases = cases();
    for case in cases["conflicts"].as_array().expect("conflict cases") {
        let infos: Vec<&Value> = case["loaded"].as_array().expect("a list").iter().collect();
        let declarations: Vec<Declarations<'_>> = infos.iter().map(|info| Declarations::of(info)).collect();
        let tables: Vec<Vec<Table<'_>>> = declarations.iter().zip(&infos).map(|(d, info)| d.tables(info)).collect();
        let modules: Vec<Vec<Module<'_>>> = declarations.iter().zip(&infos).map(|(d, info)| d.modules(info)).collect();
        let loaded = infos.iter().zip(&declarations).zip(tables.iter().zip(&modules)).map(|((info, d), (tables, modules))| Declared {
            name: text(&info["name"]),
            functions: &d.functions,
            tables,
            modules,
        });
        let new = &case["new"];
        let new_declarations = Declarations::of(new);
        let (new_tables, new_modules) = (new_declarations.tables(new), new_declarations.modules(new));
        let declared =
            Declared { name: text(&new["name"]), functions: &new_declarations.functions, tables: &new_tables, modules: &new_modules };
        let got = conflicts::check(&declared, loaded).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), case["error"].as_str(), "case {case}");
    }
}

#[test]
fn the_released_versions_are_the_cases_versions() {
    let cases = cases();
    let versions: Vec<&str> = cases["versions"].as_array().expect("versions").iter().map(text).collect();
    assert_eq!(versions, contract::VERSIONS);
}

#[test]
fn contract_cases_give_their_versions_and_messages() {
    let cases = cases();
    for case in cases["contract"].as_array().expect("contract cases") {
        let exports = case["exports"].as_array().expect("a list").iter().map(text);
        let (version, error) = match contract::version(exports) {
            Ok(version) => (Some(version), None),
            Err(e) => (None, Some(e.to_string())),
        };
        assert_eq!(version, case["version"].as_str(), "case {case}");
        assert_eq!(error.as_deref(), case["error"].as_str(), "case {case}");
    }
}

#[test]
fn collation_cases_order_as_binary() {
    let cases = cases();
    for case in cases["collation"].as_array().expect("collation cases") {
        let order = compare_unloaded(text(&case["a"]).as_bytes(), text(&case["b"]).as_bytes());
        assert_eq!(i64::from(order), case["order"].as_i64().expect("an order"), "case {case}");
    }
}
