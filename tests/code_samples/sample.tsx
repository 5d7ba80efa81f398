import React from "react";

interface ButtonProps {
  label: string;
}

export function Button({ label }: ButtonProps) {
  return <button className="btn">{label}</button>;
}

export const Panel = ({ children }: { children: React.ReactNode }) => (
  <div className="panel">{children}</div>
);

export class Counter extends React.Component<{}, { n: number }> {
  state = { n: 0 };

  render() {
    return <span>{this.state.n}</span>;
  }
}
