// Event helpers
import { readFile } from "fs";

export function parseLine(line) {
  return line.split(",");
}

const double = (x) => x * 2;

class Emitter {
  constructor() {
    this.handlers = {};
  }

  on(name, fn) {
    (this.handlers[name] ||= []).push(fn);
  }

  static create() {
    return new Emitter();
  }
}

export default class Queue extends Emitter {
  push(item) {
    this.emit("push", item);
  }
}
