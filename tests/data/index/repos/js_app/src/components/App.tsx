import React, { useState } from "react";
import Widget from "./Widget";
import { formatDate } from "../util/dates.js";

type Props = { title: string };

export default function App({ title }: Props) {
  const [now] = useState(new Date());
  return (
    <div className="app">
      <Widget label={title} />
      {formatDate(now)}
    </div>
  );
}

export const Header: React.FC<Props> = ({ title }) => <h1>{title}</h1>;
