//! File circles: which files of one crate need each other, read from their
//! sources with `syn` (the tidy test `no_file_is_in_a_circle` uses it).
//!
//! A file *needs* another when it names an item defined there: a `use`
//! (`use crate::…`, `use super::…`, `use self::…`, `use child::…`) or a path
//! in code (`crate::x::f()`, `super::T`, `child::f()`, `m::f()` after
//! `use crate::m`). A path is followed through re-exports (`pub use`) to the
//! file that defines the item, so a module that only re-exports ties no
//! knot. Two kinds of lines are not counted:
//!
//! - test code (`#[cfg(test)]` items and the files of `#[cfg(test)] mod`s):
//!   a test may reach anywhere;
//! - a file naming what one of its own ancestors defines (`super::Options`
//!   in `harness/sweep.rs` naming `harness/mod.rs`, `crate::Config` in any
//!   file naming `lib.rs`): a parent is its children's entrance — it holds
//!   what they share and calls them — and reading it first is the natural
//!   order.
//!
//! A circle is then a strongly connected set of two or more files: siblings
//! or cousins that need each other, so none can be read (or changed) first.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::Visit;

/// A module path from the crate root (`[]` is the root).
type ModPath = Vec<String>;

/// One crate target (a `lib.rs`, `main.rs` or `src/bin/*.rs` tree).
#[derive(Debug)]
pub struct Crate {
    /// How the crate is named in messages, e.g. `crates/fanout-core (lib)`.
    pub name: String,
    /// The crate's directory (where its `Cargo.toml` is).
    dir: PathBuf,
    modules: BTreeMap<ModPath, Module>,
}

/// What one module defines and names.
#[derive(Debug, Default)]
struct Module {
    /// The file it is in, relative to the crate's directory.
    file: PathBuf,
    /// Its submodules, by name.
    children: BTreeSet<String>,
    /// The names of the items it defines (modules apart).
    items: BTreeSet<String>,
    /// `use` bindings: the name they bind and the path as written.
    bindings: Vec<(String, Vec<String>)>,
    /// Glob imports (`use x::*`), as written.
    globs: Vec<Vec<String>>,
    /// Every path it names (in `use`s and in code), as written.
    paths: Vec<Vec<String>>,
}

/// One circle: the files, and the lines that tie them.
#[derive(Debug)]
pub struct Circle {
    /// The crate it is in.
    pub krate: String,
    /// Its files (relative to the crate's directory), sorted.
    pub files: BTreeSet<String>,
    /// One way round, e.g. `src/a.rs → src/b.rs (crate::b::B) → src/a.rs (crate::a::A)`.
    pub cycle: String,
}

/// Reads every crate target under `root`'s `crates/*`, `xtask` and `benches`.
pub fn crates(root: &Path) -> Vec<Crate> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("the workspace has a crates/ folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.push(root.join("xtask"));
    dirs.push(root.join("benches"));
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs.into_iter().filter(|d| d.join("Cargo.toml").exists()) {
        let shown = dir.strip_prefix(root).unwrap_or(&dir).display().to_string();
        let mut roots = vec![
            ("lib", dir.join("src/lib.rs")),
            ("bin", dir.join("src/main.rs")),
        ];
        if let Ok(bins) = std::fs::read_dir(dir.join("src/bin")) {
            roots.extend(bins.flatten().map(|e| ("bin", e.path())));
        }
        for (kind, file) in roots.into_iter().filter(|(_, f)| f.is_file()) {
            let name = format!(
                "{shown} ({kind} {})",
                file.strip_prefix(&dir).unwrap_or(&file).display()
            );
            out.push(Crate::read(name, &dir, &file));
        }
    }
    out
}

impl Crate {
    /// Reads the module tree whose root file is `root`.
    fn read(name: String, dir: &Path, root: &Path) -> Crate {
        let mut krate = Crate {
            name,
            dir: dir.to_owned(),
            modules: BTreeMap::new(),
        };
        let parent = root.parent().expect("a root file is in a folder");
        krate.read_file(Vec::new(), root, parent.to_owned());
        krate
    }

    /// Reads the module `path` from `file`; its `mod x;` files are in `sub`.
    fn read_file(&mut self, path: ModPath, file: &Path, sub: PathBuf) {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", file.display()));
        let rel = file.strip_prefix(&self.dir).unwrap_or(file).to_owned();
        self.read_items(path, &rel, &parsed.items, sub);
    }

    /// Records the module `path` (in `file`) made of `items`.
    fn read_items(&mut self, path: ModPath, file: &Path, items: &[syn::Item], sub: PathBuf) {
        let mut module = Module {
            file: file.to_owned(),
            ..Module::default()
        };
        let mut nested = Vec::new();
        for item in items {
            if is_test(item_attrs(item)) {
                continue;
            }
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    module.children.insert(name.clone());
                    nested.push((name, m));
                }
                syn::Item::Use(u) => {
                    flatten_use(&u.tree, Vec::new(), &mut module);
                }
                other => {
                    if let Some(name) = item_name(other) {
                        module.items.insert(name);
                    }
                    let mut paths = Paths::default();
                    paths.visit_item(other);
                    module.paths.extend(paths.0);
                }
            }
        }
        self.modules.insert(path.clone(), module);
        for (name, m) in nested {
            let mut child = path.clone();
            child.push(name.clone());
            match &m.content {
                Some((_, items)) => self.read_items(child, file, items, sub.join(&name)),
                None => {
                    let flat = sub.join(format!("{name}.rs"));
                    let file = if flat.is_file() {
                        flat
                    } else {
                        sub.join(&name).join("mod.rs")
                    };
                    self.read_file(child, &self.dir.join(&file), sub.join(&name));
                }
            }
        }
    }

    /// The file of module `path`.
    fn file(&self, path: &[String]) -> &Path {
        &self.modules[path].file
    }

    /// `written`, named in module `from`, as a path from the crate root;
    /// `None` for a path outside the crate (std, a dependency, a local).
    fn absolute(&self, from: &[String], written: &[String], depth: u32) -> Option<ModPath> {
        let (first, rest) = written.split_first()?;
        if depth > 16 {
            return None;
        }
        let module = &self.modules[from];
        let mut base: ModPath = match first.as_str() {
            "crate" => Vec::new(),
            "self" => from.to_vec(),
            "super" => {
                let mut base = from.to_vec();
                base.pop();
                let mut rest = rest;
                while let Some(("super", more)) = rest.split_first().map(|(s, m)| (s.as_str(), m)) {
                    base.pop();
                    rest = more;
                }
                return Some(base.into_iter().chain(rest.iter().cloned()).collect());
            }
            name if module.children.contains(name) => {
                let mut base = from.to_vec();
                base.push(name.to_owned());
                base
            }
            name => {
                let (_, bound) = module.bindings.iter().find(|(b, _)| b == name)?;
                let bound = bound.clone();
                self.absolute(from, &bound, depth + 1)?
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what `path` (from the root) names, and whether
    /// that is certain (`false`: a name not found, taken to be the module's).
    fn resolve(&self, path: &[String], depth: u32) -> (PathBuf, bool) {
        let mut module: ModPath = Vec::new();
        for (i, segment) in path.iter().enumerate() {
            let mut child = module.clone();
            child.push(segment.clone());
            if self.modules.contains_key(&child) {
                module = child;
                continue;
            }
            let m = &self.modules[&module];
            if m.items.contains(segment) || depth > 16 {
                return (m.file.clone(), true);
            }
            let rest = &path[i + 1..];
            if let Some((_, bound)) = m.bindings.iter().find(|(b, _)| b == segment)
                && let Some(mut target) = self.absolute(&module, bound, 0)
            {
                target.extend(rest.iter().cloned());
                return self.resolve(&target, depth + 1);
            }
            for glob in &m.globs {
                if let Some(mut target) = self.absolute(&module, glob, 0) {
                    target.push(segment.clone());
                    target.extend(rest.iter().cloned());
                    let (file, certain) = self.resolve(&target, depth + 1);
                    if certain {
                        return (file, true);
                    }
                }
            }
            return (m.file.clone(), false);
        }
        (self.file(&module).to_owned(), true)
    }

    /// Every file's needs: file → (file it needs → the first path that says so).
    fn needs(&self) -> BTreeMap<PathBuf, BTreeMap<PathBuf, String>> {
        let mut needs: BTreeMap<PathBuf, BTreeMap<PathBuf, String>> = BTreeMap::new();
        for (path, module) in &self.modules {
            let ancestors: Vec<&Path> = (0..path.len()).map(|k| self.file(&path[..k])).collect();
            let from = needs.entry(module.file.clone()).or_default();
            let written = module.paths.iter().chain(module.globs.iter());
            for w in written {
                let Some(absolute) = self.absolute(path, w, 0) else {
                    continue;
                };
                let (to, _) = self.resolve(&absolute, 0);
                if to != module.file && !ancestors.contains(&to.as_path()) {
                    from.entry(to).or_insert_with(|| w.join("::"));
                }
            }
        }
        needs
    }

    /// The crate's circles.
    pub fn circles(&self) -> Vec<Circle> {
        let needs = self.needs();
        strongly_connected(&needs)
            .into_iter()
            .filter(|set| set.len() > 1)
            .map(|set| Circle {
                krate: self.name.clone(),
                files: set.iter().map(|f| f.display().to_string()).collect(),
                cycle: one_way_round(&needs, &set),
            })
            .collect()
    }
}

/// Whether attributes hold `#[cfg(test)]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta
                .require_list()
                .is_ok_and(|l| l.tokens.to_string() == "test")
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The name an item defines, if any.
fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::TraitAlias(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Records one `use` tree: its bindings, globs and paths.
fn flatten_use(tree: &syn::UseTree, mut prefix: Vec<String>, module: &mut Module) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, module);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            // `use a::b::{self}` binds `b` to `a::b`.
            let (binding, path) = if name == "self" {
                (prefix.last().cloned().unwrap_or_default(), prefix)
            } else {
                prefix.push(name.clone());
                (name, prefix)
            };
            module.bindings.push((binding, path.clone()));
            module.paths.push(path);
        }
        syn::UseTree::Rename(r) => {
            let name = r.ident.to_string();
            if name != "self" {
                prefix.push(name);
            }
            module.bindings.push((r.rename.to_string(), prefix.clone()));
            module.paths.push(prefix);
        }
        syn::UseTree::Glob(_) => module.globs.push(prefix),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix.clone(), module);
            }
        }
    }
}

/// The paths named in code: every path of two segments or more, and every
/// `crate`/`super`/`self` path; inside macros, what parses as expressions
/// or items.
#[derive(Default)]
struct Paths(Vec<Vec<String>>);

impl<'ast> Visit<'ast> for Paths {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let rooted = segments
            .first()
            .is_some_and(|s| ["crate", "super", "self"].contains(&s.as_str()));
        if p.leading_colon.is_none() && (segments.len() > 1 || rooted) {
            self.0.push(segments);
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        syn::visit::visit_macro(self, m);
        let exprs = syn::parse::Parser::parse2(
            Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            m.tokens.clone(),
        );
        match exprs {
            Ok(exprs) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Err(_) => {
                if let Ok(file) = syn::parse2::<syn::File>(m.tokens.clone()) {
                    self.visit_file(&file);
                }
            }
        }
    }

    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {
        // A module inside a function body: not followed.
    }

    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {
        // A `use` inside a function body names an item too, but rarely
        // one of this crate; not followed.
    }
}

/// Tarjan's strongly connected components of the graph `needs`.
fn strongly_connected(
    needs: &BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
) -> Vec<BTreeSet<PathBuf>> {
    struct State<'a> {
        needs: &'a BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
        index: BTreeMap<&'a PathBuf, (usize, usize)>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        out: Vec<BTreeSet<PathBuf>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a PathBuf) {
        let n = s.index.len();
        s.index.insert(v, (n, n));
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.needs.get(v).into_iter().flat_map(|m| m.keys()) {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.index[w].1.min(s.index[v].1);
                s.index.get_mut(v).expect("indexed").1 = low;
            } else if s.on_stack.contains(w) {
                let low = s.index[w].0.min(s.index[v].1);
                s.index.get_mut(v).expect("indexed").1 = low;
            }
        }
        let (index, low) = s.index[v];
        if index == low {
            let mut set = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                set.insert(w.clone());
                if w == v {
                    break;
                }
            }
            s.out.push(set);
        }
    }
    let mut s = State {
        needs,
        index: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in needs.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// The shortest way round `set` from its first file, with the path that
/// ties each step.
fn one_way_round(
    needs: &BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
    set: &BTreeSet<PathBuf>,
) -> String {
    let start = set.first().expect("a circle has files");
    let mut came_from: BTreeMap<&PathBuf, &PathBuf> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    let mut last = None;
    'search: while let Some(v) = queue.pop_front() {
        for w in needs[v].keys().filter(|w| set.contains(*w)) {
            if w == start {
                last = Some(v);
                break 'search;
            }
            if !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    let mut back = Vec::new();
    let mut v = last.expect("a strongly connected set has a way round");
    while v != start {
        back.push(v);
        v = came_from[v];
    }
    let way: Vec<&PathBuf> = std::iter::once(start)
        .chain(back.into_iter().rev())
        .chain(std::iter::once(start))
        .collect();
    let mut text = start.display().to_string();
    for pair in way.windows(2) {
        text.push_str(&format!(
            " → {} ({})",
            pair[1].display(),
            needs[pair[0]][pair[1]]
        ));
    }
    text
}
