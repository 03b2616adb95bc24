export interface Options {
  utc?: boolean;
}
