import type { Options } from "./types";
import { pad } from "./strings";

export interface DateParts {
  year: number;
  month: number;
}

export type Formatter = (d: Date, o?: Options) => string;

export enum Weekday {
  Monday,
  Tuesday,
}

export const EPOCH: Date = new Date(0);

export function formatDate(d: Date, options?: Options): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

export function parseDate(s: string): Date {
  return new Date(s);
}

export abstract class Calendar<T> implements Iterable<T> {
  private days: T[] = [];

  abstract name(): string;

  [Symbol.iterator](): Iterator<T> {
    return this.days[Symbol.iterator]();
  }

  public add(day: T): void {
    this.days.push(day);
  }
}

export namespace Dates {
  export function today(): Date {
    return new Date();
  }
}

declare function external(x: number): void;
