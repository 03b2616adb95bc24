-- Apply a radix-ls code action through Neovim's built-in vim.lsp.buf.code_action(). Records
-- whether the server offers code actions at all; if it does, the first action over the
-- given lines (resolved, with its edit), and the buffer before and after applying it.
--
-- Env: RADIX_TEST_FILE, RADIX_TEST_ROWS ("first,last": 1-based lines to select).

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

H.run(function()
  local client = H.start(vim.env.RADIX_TEST_FILE)
  local provider = client.server_capabilities.codeActionProvider
  H.result.provider = provider ~= nil and provider ~= false
  if not H.result.provider then
    return
  end
  local first, last = vim.env.RADIX_TEST_ROWS:match('^(%d+),(%d+)$')
  local range = { start = { tonumber(first), 0 }, ['end'] = { tonumber(last), 0 } }
  range['end'][2] = #vim.api.nvim_buf_get_lines(0, range['end'][1] - 1, range['end'][1], true)[1]

  -- What the server offers for these lines, asked directly.
  local params =
    vim.lsp.util.make_given_range_params(range.start, range['end'], 0, client.offset_encoding)
  params.context = { diagnostics = {}, triggerKind = 1 }
  local response = assert(client:request_sync('textDocument/codeAction', params, 30000, 0))
  assert(not response.err, vim.inspect(response.err))
  local actions = response.result or {}
  H.result.titles = vim.tbl_map(function(a)
    return a.title
  end, actions)
  local chosen = actions[1]
  if not chosen then
    return
  end
  if
    not chosen.edit
    and type(chosen.command) ~= 'string'
    and client:supports_method('codeAction/resolve')
  then
    local resolved = assert(client:request_sync('codeAction/resolve', chosen, 30000, 0))
    assert(not resolved.err, vim.inspect(resolved.err))
    chosen = resolved.result
  end
  H.result.action = chosen

  -- Apply it the way a user does (`gra`), picking it by title.
  H.result.before = H.text()
  vim.lsp.buf.code_action({
    range = range,
    apply = true,
    filter = function(action)
      return action.title == chosen.title
    end,
  })
  H.wait('the code action to change the buffer', function()
    return H.text() ~= H.result.before
  end, 30000)
  H.result.after = H.text()
  H.result.uri = vim.uri_from_bufnr(0)
  -- The server's copy matches the buffer (Neovim sent the edit on).
  H.wait('the server to see the edit', function()
    local doc = assert(client:request_sync('radixLs/documentText', { uri = H.result.uri }, 5000, 0))
    return doc.result and doc.result.text == H.text() .. '\n'
  end)
end)
