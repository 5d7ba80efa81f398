"""What counts as a definition, and what as a reference, in each language.

One table per language maps tree-sitter node types to definition kinds; a few
languages need a small function to find a definition's name (C declarators,
Go receivers, Kotlin's unnamed fields). Tables, not ``tags.scm`` files: the
bundled grammars ship no tag queries, and a table is easy to read and test.
Nothing here imports tree-sitter; the parser module does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

Node = Any  # tree_sitter.Node, kept untyped so this module imports without tree-sitter
# (kind, name, scope): scope qualifies a definition made outside its container (Go receiver, C++ A::f, Lua M.f)
Described = Optional[tuple[str, str, Optional[str]]]

CONTAINERS = frozenset({"class", "struct", "interface", "trait", "impl", "object", "enum", "record", "protocol",
                        "extension", "union", "module", "namespace", "actor"})
TYPE_CONTAINERS = CONTAINERS - {"module", "namespace"}  # a function inside one of these is a method


def text(node: Node, src: bytes) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def field_text(node: Node, src: bytes, name: str = "name") -> str | None:
    child = node.child_by_field_name(name)
    return text(child, src) if child is not None else None


def first_child_text(node: Node, src: bytes, types: tuple[str, ...]) -> str | None:
    for child in node.named_children:
        if child.type in types:
            return text(child, src)
    return None


def first_keyword(node: Node, words: frozenset[str]) -> str | None:
    for child in node.children:
        if not child.is_named and child.type in words:
            return child.type
    return None


@dataclass(frozen=True)
class Spec:
    """How to read one language's syntax tree."""

    grammar: str  # name for tree_sitter_language_pack.get_parser
    defs: dict[str, str]  # node type -> kind
    refs: tuple[str, ...] = ("identifier",)  # identifier node types counted as references
    wrappers: frozenset[str] = frozenset()  # a parent of these types lends its range (decorators, export)
    leading: frozenset[str] = frozenset()  # preceding siblings that belong to the definition (attributes)
    custom: dict[str, Callable[[Node, bytes], Described]] = field(default_factory=dict)
    sep: str = "."  # joins qualified names

    def describe(self, node: Node, src: bytes) -> Described:
        """(kind, name, scope) for a definition node, or None when it is not one (anonymous, a prototype)."""
        fn = self.custom.get(node.type)
        if fn is not None:
            return fn(node, src)
        name = field_text(node, src)
        return (self.defs[node.type], name, None) if name else None


# -- per-language helpers ------------------------------------------------------------

def _js_variable(node: Node, src: bytes) -> Described:
    value = node.child_by_field_name("value")
    if value is None or value.type not in ("arrow_function", "function_expression", "function",
                                           "generator_function"):
        return None
    name = field_text(node, src)
    return ("function", name, None) if name else None


def _go_type(node: Node, src: bytes) -> Described:
    name = field_text(node, src)
    body = node.child_by_field_name("type")
    kind = {"struct_type": "struct", "interface_type": "interface"}.get(body.type if body is not None else "", "type")
    return (kind, name, None) if name else None


def _go_method(node: Node, src: bytes) -> Described:
    name = field_text(node, src)
    receiver = node.child_by_field_name("receiver")
    scope = None
    if receiver is not None:
        for param in receiver.named_children:
            t = param.child_by_field_name("type")
            if t is not None:
                scope = text(t, src).lstrip("*").split("[", 1)[0]
    return ("method", name, scope) if name else None


def _rust_impl(node: Node, src: bytes) -> Described:
    t = field_text(node, src, "type")
    return ("impl", t.split("<", 1)[0], None) if t else None


def _c_declarator_name(node: Node, src: bytes) -> tuple[str, str | None] | None:
    """Walk a C/C++ declarator chain down to the function's name: (name, scope)."""
    d = node.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    if d is None:
        return None
    n = d.child_by_field_name("declarator")
    if n is None:
        return None
    if n.type == "qualified_identifier":
        full = text(n, src)
        scope, _, name = full.rpartition("::")
        return name, scope.replace("::", ".") or None
    return text(n, src), None


def _c_function(node: Node, src: bytes) -> Described:
    found = _c_declarator_name(node, src)
    if not found:
        return None
    name, scope = found
    return ("method" if scope else "function", name, scope)


def _c_tagged(kind: str) -> Callable[[Node, bytes], Described]:
    def describe(node: Node, src: bytes) -> Described:
        if node.child_by_field_name("body") is None:
            return None  # `struct point p;` uses a type, it does not define one
        name = field_text(node, src)
        return (kind, name, None) if name else None
    return describe


def _c_typedef(node: Node, src: bytes) -> Described:
    d = node.child_by_field_name("declarator")
    while d is not None and d.type not in ("type_identifier", "primitive_type"):
        d = d.child_by_field_name("declarator")
    return ("type", text(d, src), None) if d is not None else None


def _kotlin_class(node: Node, src: bytes) -> Described:
    name = first_child_text(node, src, ("type_identifier", "simple_identifier"))
    if node.type == "object_declaration":
        kind = "object"
    else:
        kw = first_keyword(node, frozenset({"interface", "class"}))
        mods = first_child_text(node, src, ("modifiers",)) or ""
        kind = "interface" if kw == "interface" else "enum" if "enum" in mods.split() else "class"
    return (kind, name, None) if name else None


def _kotlin_function(node: Node, src: bytes) -> Described:
    name = first_child_text(node, src, ("simple_identifier",))
    return ("function", name, None) if name else None


def _kotlin_companion(node: Node, src: bytes) -> Described:
    return ("object", first_child_text(node, src, ("type_identifier", "simple_identifier")) or "Companion", None)


def _kotlin_alias(node: Node, src: bytes) -> Described:
    name = first_child_text(node, src, ("type_identifier", "simple_identifier"))
    return ("type", name, None) if name else None


_SWIFT_KINDS = frozenset({"class", "struct", "enum", "extension", "actor"})


def _swift_class(node: Node, src: bytes) -> Described:
    name = field_text(node, src)
    kind = first_keyword(node, _SWIFT_KINDS) or "class"
    return (kind, name, None) if name else None


def _swift_init(node: Node, src: bytes) -> Described:
    return ("constructor", "init", None)


def _lua_function(node: Node, src: bytes) -> Described:
    n = node.child_by_field_name("name")
    if n is None:
        return None
    full = text(n, src).replace(":", ".")
    scope, _, name = full.rpartition(".")
    kind = "method" if n.type == "method_index_expression" else "function"
    return (kind, name, scope or None)


def _ruby_singleton(node: Node, src: bytes) -> Described:
    name = field_text(node, src)
    return ("method", name, None) if name else None


def _markdown_heading(node: Node, src: bytes) -> Described:
    level = 1
    for child in node.children:
        t = child.type
        if t.startswith("atx_h") and t.endswith("_marker"):
            level = int(t[5])
        elif t == "setext_h2_underline":
            level = 2
    content = node.child_by_field_name("heading_content")
    title = text(content, src).strip() if content is not None else ""
    return (f"h{level}", title or "(untitled)", None)


# -- the table --------------------------------------------------------------------------

_JS_DEFS = {"class_declaration": "class", "function_declaration": "function",
            "generator_function_declaration": "function", "method_definition": "method",
            "variable_declarator": "function"}
_TS_DEFS = {**_JS_DEFS, "abstract_class_declaration": "class", "interface_declaration": "interface",
            "type_alias_declaration": "type", "enum_declaration": "enum", "internal_module": "namespace",
            "method_signature": "method", "abstract_method_signature": "method", "function_signature": "function"}
_JS_REFS = ("identifier", "property_identifier", "type_identifier")
_JS_WRAP = frozenset({"export_statement", "lexical_declaration", "variable_declaration"})
_C_CUSTOM = {"function_definition": _c_function, "struct_specifier": _c_tagged("struct"),
             "union_specifier": _c_tagged("union"), "enum_specifier": _c_tagged("enum"),
             "type_definition": _c_typedef}
_C_DEFS = {"function_definition": "function", "struct_specifier": "struct", "union_specifier": "union",
           "enum_specifier": "enum", "type_definition": "type"}

SPECS: dict[str, Spec] = {
    "python": Spec("python", {"class_definition": "class", "function_definition": "function"},
                   wrappers=frozenset({"decorated_definition"})),
    "javascript": Spec("javascript", _JS_DEFS, _JS_REFS, _JS_WRAP, frozenset({"decorator"}),
                       {"variable_declarator": _js_variable}),
    "typescript": Spec("typescript", _TS_DEFS, _JS_REFS, _JS_WRAP, frozenset({"decorator"}),
                       {"variable_declarator": _js_variable}),
    "tsx": Spec("tsx", _TS_DEFS, _JS_REFS, _JS_WRAP, frozenset({"decorator"}), {"variable_declarator": _js_variable}),
    "go": Spec("go", {"function_declaration": "function", "method_declaration": "method", "type_spec": "type",
                      "type_alias": "type"},
               ("identifier", "type_identifier", "field_identifier"), custom={"type_spec": _go_type,
                                                                            "method_declaration": _go_method}),
    "rust": Spec("rust", {"function_item": "function", "function_signature_item": "function", "struct_item": "struct",
                          "enum_item": "enum", "union_item": "union", "trait_item": "trait", "impl_item": "impl",
                          "mod_item": "module", "macro_definition": "macro", "type_item": "type"},
                 ("identifier", "type_identifier", "field_identifier"), leading=frozenset({"attribute_item"}),
                 custom={"impl_item": _rust_impl}),
    "java": Spec("java", {"class_declaration": "class", "interface_declaration": "interface",
                          "enum_declaration": "enum", "record_declaration": "record",
                          "annotation_type_declaration": "annotation", "method_declaration": "method",
                          "constructor_declaration": "constructor"}, ("identifier", "type_identifier")),
    "c": Spec("c", _C_DEFS, ("identifier", "type_identifier", "field_identifier"), custom=_C_CUSTOM),
    "cpp": Spec("cpp", {**_C_DEFS, "class_specifier": "class", "namespace_definition": "namespace"},
                ("identifier", "type_identifier", "field_identifier", "namespace_identifier"),
                wrappers=frozenset({"template_declaration"}),
                custom={**_C_CUSTOM, "class_specifier": _c_tagged("class")}),
    "csharp": Spec("csharp", {"class_declaration": "class", "struct_declaration": "struct",
                              "interface_declaration": "interface", "enum_declaration": "enum",
                              "record_declaration": "record", "namespace_declaration": "namespace",
                              "file_scoped_namespace_declaration": "namespace", "method_declaration": "method",
                              "constructor_declaration": "constructor", "local_function_statement": "function"}),
    "ruby": Spec("ruby", {"class": "class", "module": "module", "method": "function", "singleton_method": "method"},
                 ("identifier", "constant"), custom={"singleton_method": _ruby_singleton}),
    "php": Spec("php", {"class_declaration": "class", "interface_declaration": "interface", "trait_declaration": "trait",
                        "enum_declaration": "enum", "function_definition": "function", "method_declaration": "method",
                        "namespace_definition": "namespace"}, ("name",)),
    "kotlin": Spec("kotlin", {"class_declaration": "class", "object_declaration": "object",
                              "companion_object": "object", "function_declaration": "function",
                              "type_alias": "type"},
                   ("simple_identifier", "type_identifier"),
                   custom={"class_declaration": _kotlin_class, "object_declaration": _kotlin_class,
                           "companion_object": _kotlin_companion, "function_declaration": _kotlin_function,
                           "type_alias": _kotlin_alias}),
    "swift": Spec("swift", {"class_declaration": "class", "protocol_declaration": "protocol",
                            "function_declaration": "function", "protocol_function_declaration": "method",
                            "init_declaration": "constructor", "typealias_declaration": "type"},
                  ("simple_identifier", "type_identifier"),
                  custom={"class_declaration": _swift_class, "init_declaration": _swift_init}),
    "scala": Spec("scala", {"class_definition": "class", "object_definition": "object", "trait_definition": "trait",
                            "enum_definition": "enum", "function_definition": "function",
                            "function_declaration": "function"}, ("identifier", "type_identifier")),
    "bash": Spec("bash", {"function_definition": "function"}, ("command_name", "variable_name")),
    "lua": Spec("lua", {"function_declaration": "function"}, ("identifier",), custom={"function_declaration": _lua_function}),
    "markdown": Spec("markdown", {"atx_heading": "heading", "setext_heading": "heading"}, (),
                     custom={"atx_heading": _markdown_heading, "setext_heading": _markdown_heading}, sep=" > "),
}


def spec_for(language: str | None) -> Spec | None:
    return SPECS.get(language or "")
