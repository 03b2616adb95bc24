-- Neovim 0.12+ path, against a stand-in for vim.lsp.inline_completion (Neovim 0.11 has none;
-- the stand-in follows the 0.12 API: enable(enable, filter), get(opts) -> boolean, with
-- opts.on_accept(item) replacing the default insertion). No server runs.

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

H.run(function()
  local calls = {}
  -- shown at column 0; the user has typed "to" since
  local shown = { ---@type table?
    insert_text = 'total = sum(values)\nreturn total',
    range = { start = { row = 0, col = 0 } },
  }
  vim.lsp.inline_completion = {
    enable = function(enable, filter)
      calls[#calls + 1] = { 'enable', enable, filter }
    end,
    get = function(opts)
      calls[#calls + 1] = { 'get', opts and opts.on_accept ~= nil or false }
      local item = shown
      if not item then
        return false
      end
      shown = nil
      if opts and opts.on_accept then
        opts.on_accept(item)
      else
        vim.api.nvim_put(vim.split(item.insert_text, '\n'), 'c', false, true)
      end
      return true
    end,
  }

  local bufnr = vim.api.nvim_get_current_buf()
  require('radix_ls').attach({ id = 1, name = 'radix_ls' }, bufnr)
  H.result.after_attach = vim.deepcopy(calls)
  H.result.ghost_module_loaded = package.loaded['radix_ls.ghost'] ~= nil

  local function press(keys)
    local tick = vim.api.nvim_buf_get_changedtick(bufnr)
    local n = #calls
    H.input(keys)
    H.wait('the keys to be handled', function()
      return #calls > n and vim.api.nvim_get_mode().mode == 'i'
    end)
    return {
      text = H.text(),
      changed = vim.api.nvim_buf_get_changedtick(bufnr) ~= tick,
      call = calls[#calls],
    }
  end

  H.input('ito')
  H.result.word = press('<Plug>(radix-ls-accept-word)')
  shown = { insert_text = ' + 1\nmore' }
  H.result.line = press('<Plug>(radix-ls-accept-line)')
  shown = { insert_text = 'ignored' }
  H.result.dismiss = press('<Plug>(radix-ls-dismiss)')
  shown = { insert_text = '!' }
  H.result.accept = press('<M-l>') -- the default key, through the built-in get()
  H.result.nothing = press('<Plug>(radix-ls-accept)') -- nothing shown: get() says false
end)
