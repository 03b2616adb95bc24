-- radix-ls: <Plug> mappings, :RadixLsStatus, and attaching to radix_ls clients. Everything
-- else loads on first use. The server itself starts with `vim.lsp.enable('radix_ls')`.

if vim.g.loaded_radix_ls then
  return
end
vim.g.loaded_radix_ls = true

if vim.fn.has('nvim-0.11') == 0 then
  vim.notify_once('radix-ls needs Neovim 0.11 or newer', vim.log.levels.WARN)
  return
end

vim.api.nvim_set_hl(0, 'RadixLsGhostText', { link = 'Comment', default = true })

local group = vim.api.nvim_create_augroup('radix_ls', { clear = true })

vim.api.nvim_create_autocmd('ColorScheme', {
  group = group,
  desc = 'radix-ls: restore the ghost text highlight',
  callback = function()
    vim.api.nvim_set_hl(0, 'RadixLsGhostText', { link = 'Comment', default = true })
  end,
})

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  desc = 'radix-ls: ghost text and keys for radix_ls clients',
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'radix_ls' then
      require('radix_ls').attach(client, args.buf)
    end
  end,
})

for lhs, action in pairs({
  ['<Plug>(radix-ls-accept)'] = 'accept',
  ['<Plug>(radix-ls-accept-word)'] = 'accept_word',
  ['<Plug>(radix-ls-accept-line)'] = 'accept_line',
  ['<Plug>(radix-ls-dismiss)'] = 'dismiss',
}) do
  vim.keymap.set('i', lhs, function()
    require('radix_ls')[action]()
  end, { desc = 'radix-ls: ' .. action:gsub('_', ' ') })
end

-- The server's "Rewrite with instruction…" code action runs this client-side command.
vim.lsp.commands['radix-ls.rewrite'] = function(command, ctx)
  require('radix_ls').rewrite_command(command, ctx)
end

vim.api.nvim_create_user_command('RadixLsRewrite', function(opts)
  require('radix_ls').rewrite(opts.args, opts.line1, opts.line2)
end, {
  nargs = '*',
  range = true,
  desc = 'radix-ls: rewrite the selected lines (or the function at the cursor) as instructed',
})

vim.api.nvim_create_user_command('RadixLsStatus', function()
  require('radix_ls').status()
end, { desc = 'radix-ls: show the server state' })
