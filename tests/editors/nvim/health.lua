-- :checkhealth radix_ls before the server runs, and with a client whose engine is ready;
-- :RadixLsStatus.
--
-- Env: RADIX_TEST_FILE.

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

--- Run :checkhealth radix_ls and return the report's lines; close its tab.
---@return string[]
local function checkhealth()
  vim.cmd('checkhealth radix_ls')
  local lines = H.wait('the health report', function()
    local lines = vim.api.nvim_buf_get_lines(0, 0, -1, true)
    return vim.bo.filetype == 'checkhealth' and #lines > 3 and lines
  end)
  vim.cmd('bwipeout')
  return lines
end

H.run(function()
  -- the configured command, before any client runs
  vim.lsp.config('radix_ls', { cmd = vim.json.decode((assert(vim.env.RADIX_TEST_CMD))) })
  H.result.before_start = checkhealth()
  H.start(vim.env.RADIX_TEST_FILE)
  H.result.running = checkhealth()

  -- :RadixLsStatus reports through vim.notify
  local notified ---@type string?
  vim.notify = function(message)
    notified = message
  end
  vim.cmd('RadixLsStatus')
  H.result.status = H.wait('the :RadixLsStatus message', function()
    return notified
  end)
end)
