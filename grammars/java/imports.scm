; Java imports: @import the declaration, @module the imported name (`java.util.List`,
; `com.x` for `com.x.*`), @name the simple name (`List`) or `*`.

(import_declaration
  (scoped_identifier name: (identifier) @name) @module .) @import

(import_declaration
  (_) @module
  (asterisk) @name) @import
