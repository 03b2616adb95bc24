; Rust imports: @import a `use` declaration or `mod x;`, @module the path (`crate::a::b`,
; `super::x`, `std::io`), @name each imported item (`*` for a glob), @alias its `as` name.
; A file-backed module declaration `mod x;` is @import.mod with @module `x`.

(use_declaration
  argument: (identifier) @module) @import

(use_declaration
  argument: (scoped_identifier
    path: (_) @module
    name: (identifier) @name)) @import

(use_declaration
  argument: (use_as_clause
    path: (scoped_identifier path: (_) @module name: (identifier) @name)
    alias: (identifier) @alias)) @import

(use_declaration
  argument: (use_as_clause path: (identifier) @module)) @import

(use_declaration
  argument: (scoped_use_list
    path: (_) @module
    list: (use_list [
      (identifier) @name
      (self) @name
      (scoped_identifier) @name
      (use_as_clause path: (_) @name)
      (use_wildcard) @name
      (scoped_use_list) @name
    ]))) @import

(use_declaration
  argument: (use_wildcard (_) @module) @name) @import

(mod_item
  name: (identifier) @module
  !body) @import.mod

(extern_crate_declaration name: (identifier) @module) @import
