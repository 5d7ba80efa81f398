export interface Shape {
  area(): number;
  name: string;
}

export type Point = { x: number; y: number };

export enum Color {
  Red,
  Green,
}

function component(target: any) {
  return target;
}

@component
export class Circle implements Shape {
  name = "circle";
  constructor(private r: number) {}

  area(): number {
    return Math.PI * this.r ** 2;
  }
}

export namespace Geometry {
  export function distance(a: Point, b: Point): number {
    return Math.hypot(a.x - b.x, a.y - b.y);
  }
}

export const scale = (p: Point, k: number): Point => ({ x: p.x * k, y: p.y * k });
