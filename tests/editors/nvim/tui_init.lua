-- init.lua for the tmux test (a real TUI): the plugin and radix_ls with the test's server and
-- model. Writes $RADIX_TEST_READY once the engine is ready, so the test types only then.

vim.opt.rtp:prepend(vim.env.RADIX_TEST_PLUGIN)
vim.o.swapfile = false

vim.lsp.config('radix_ls', {
  cmd = vim.json.decode(vim.env.RADIX_TEST_CMD),
  init_options = {
    model = vim.env.RADIX_TEST_MODEL,
    maxTokens = 48,
    nThreads = 1, -- see harness.lua
    logLevel = 'debug',
  },
})
vim.lsp.enable('radix_ls')

vim.api.nvim_create_autocmd('LspAttach', {
  callback = function(args)
    local client = assert(vim.lsp.get_client_by_id(args.data.client_id))
    local timer = assert(vim.uv.new_timer())
    timer:start(
      0,
      50,
      vim.schedule_wrap(function()
        client:request('radixLs/status', {}, function(_, status)
          if status and status.state == 'ready' and not timer:is_closing() then
            timer:close()
            local file = assert(io.open(vim.env.RADIX_TEST_READY, 'w'))
            file:write('ready\n')
            file:close()
          end
        end, args.buf)
      end)
    )
  end,
})
