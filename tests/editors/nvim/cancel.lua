-- Typing while a request is generating cancels it ($/cancelRequest from the plugin), and its
-- answer is never drawn. Long generations (maxTokens 2500 on an empty last line) keep the
-- request in flight long enough to type over it.
--
-- Env: RADIX_TEST_FILE, RADIX_TEST_ROW (1-based; an empty line where nothing ends a block).

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

local METHOD = 'textDocument/inlineCompletion'

H.run(function()
  -- A long debounce: the request that follows the typed key must not start (and overwrite
  -- the server's last-completion stats) before <Esc> ends insert mode.
  require('radix_ls').setup({ ghost_text = { debounce_ms = 1500 } })
  local sent, cancelled = {}, {}
  vim.api.nvim_create_autocmd('LspRequest', {
    callback = function(args)
      local request = args.data.request
      if request.method == METHOD and request.type == 'pending' then
        sent[#sent + 1] = args.data.request_id
      elseif request.method == METHOD and request.type == 'cancel' then
        cancelled[#cancelled + 1] = args.data.request_id
      end
    end,
  })
  local client = H.start(vim.env.RADIX_TEST_FILE, { maxTokens = 2500, maxLines = 500 })
  vim.api.nvim_win_set_cursor(0, { assert(tonumber(vim.env.RADIX_TEST_ROW)), 0 })

  H.input('i') -- entering insert mode asks for a completion
  H.wait('the plugin request to be generating', function()
    return #sent == 1 and H.status(client).activeGenerations == 1
  end)
  local first = sent[1]
  H.type('x')
  H.wait('the plugin to cancel its request', function()
    return vim.tbl_contains(cancelled, first)
  end)
  H.result.ghost_after_cancel = H.ghost()
  H.input('<Esc>') -- leaving insert mode cancels whatever followed
  local status = H.wait('the server to stop generating', function()
    local status = H.status(client)
    return status.activeGenerations == 0 and status
  end)
  H.result.ghost_after_leave = H.ghost()
  H.result.sent = #sent
  H.result.cancelled = #cancelled
  H.result.first_cancelled = vim.tbl_contains(cancelled, first)
  H.result.last_completion = status.lastCompletion
end)
