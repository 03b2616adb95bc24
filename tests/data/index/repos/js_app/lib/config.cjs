module.exports = { debug: false };
