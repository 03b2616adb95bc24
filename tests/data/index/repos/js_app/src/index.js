import React from "react";
import { formatDate, parseDate as parse } from "./util/dates";
import * as strings from "./util/strings.js";
import App from "./components/App";
import config from "../lib/config.cjs";
const path = require("path");
const { helper } = require("./util");

export const VERSION = "1.2.3";

export function main(argv) {
  const d = parse(argv[0]);
  console.log(formatDate(d), strings.upper("x"), path.sep);
  return new App(config, helper);
}

export default class Runner {
  constructor(opts) {
    this.opts = opts;
  }

  run() {
    return main(this.opts.argv);
  }

  static create() {
    return new Runner({});
  }
}

const double = (x) => x * 2;

async function* ticks() {
  yield 1;
}

export { double, ticks };
export { default as Widget } from "./components/Widget.jsx";
