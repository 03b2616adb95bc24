export function upper(s) {
  return s.toUpperCase();
}

export function pad(n) {
  return String(n).padStart(2, "0");
}
