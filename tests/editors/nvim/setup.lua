-- The plugin's configuration surface, without a server: lsp/radix_ls.lua as Neovim resolves
-- it, setup() validation, the <Plug> mappings and the user command.

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

H.run(function()
  local config = vim.lsp.config.radix_ls
  H.result.config = {
    cmd = config.cmd,
    filetypes = config.filetypes,
    root_markers = config.root_markers,
    -- as sent on the wire: objects must stay objects
    settings_json = vim.json.encode(config.settings),
    init_options_json = vim.json.encode(config.init_options),
    inline_capability = vim.tbl_get(config, 'capabilities', 'textDocument', 'inlineCompletion')
      ~= nil,
  }

  local radix = require('radix_ls')
  H.result.defaults = vim.deepcopy(radix.config)
  local function try(opts)
    local ok, err = pcall(radix.setup, opts)
    return ok and vim.NIL or tostring(err)
  end
  H.result.errors = {
    unknown = try({ ghost = {} }),
    unknown_nested = try({ keymaps = { accept_all = '<Tab>' } }),
    debounce = try({ ghost_text = { debounce_ms = -1 } }),
    enabled = try({ ghost_text = { enabled = 'yes' } }),
    keymap = try({ keymaps = { accept = 1 } }),
    not_a_table = try('fast'),
  }
  H.result.valid =
    try({ ghost_text = { debounce_ms = 20 }, keymaps = { accept = '<Tab>', dismiss = false } })
  H.result.merged = vim.deepcopy(radix.config)
  H.result.setup_again = try({})
  H.result.reset = vim.deepcopy(radix.config)

  H.result.plug = {}
  for _, name in ipairs({ 'accept', 'accept-word', 'accept-line', 'dismiss' }) do
    H.result.plug[name] = vim.fn.maparg('<Plug>(radix-ls-' .. name .. ')', 'i') ~= ''
  end
  H.result.command = vim.fn.exists(':RadixLsStatus') == 2
  H.result.highlight = vim.api.nvim_get_hl(0, { name = 'RadixLsGhostText' })
end)
