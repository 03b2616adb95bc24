-- radix-ls, the self-hosted AI language server: the `vim.lsp.Config` that
-- `vim.lsp.enable('radix_ls')` starts. Override any field with
-- `vim.lsp.config('radix_ls', { ... })`; settings are documented in `:help radix_ls-settings`.

---@type vim.lsp.Config
return {
  cmd = { 'radix-ls', 'serve' },
  filetypes = {
    'python',
    'javascript',
    'javascriptreact',
    'typescript',
    'typescriptreact',
    'go',
    'rust',
    'java',
    'c',
    'cpp',
  },
  root_markers = { '.git', 'pyproject.toml', 'package.json', 'go.mod', 'Cargo.toml' },
  -- Neovim 0.11 does not declare inline completion itself; the plugin shows it. Declaring it
  -- also tells radix-ls not to run the model a second time for textDocument/completion.
  capabilities = {
    textDocument = { inlineCompletion = { dynamicRegistration = false } },
    -- The plugin defines the `radix-ls.rewrite` command (it asks for the instruction), so
    -- the server may offer "Rewrite with instruction…".
    experimental = { radixLs = { rewritePrompt = true } },
  },
  -- The `radix-ls` section of workspace/configuration (camelCase keys, all optional).
  -- vim.empty_dict(): an empty Lua table would be sent as a JSON list, not an object.
  settings = { ['radix-ls'] = vim.empty_dict() },
  -- initializationOptions: the same keys, read when the server starts.
  init_options = vim.empty_dict(),
}
