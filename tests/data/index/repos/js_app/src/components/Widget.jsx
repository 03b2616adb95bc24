export default function Widget({ label }) {
  return <span>{label}</span>;
}
