use std::fmt;

/// A 2D point.
#[derive(Debug, Clone)]
pub struct Point {
    x: f64,
    y: f64,
}

pub enum Shape {
    Circle(f64),
    Square(f64),
}

pub trait Area {
    fn area(&self) -> f64;
}

impl Area for Shape {
    fn area(&self) -> f64 {
        match self {
            Shape::Circle(r) => 3.14 * r * r,
            Shape::Square(s) => s * s,
        }
    }
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
}

mod geometry {
    pub fn origin() -> super::Point {
        super::Point::new(0.0, 0.0)
    }
}

#[cfg(test)]
fn helper() {}

macro_rules! square {
    ($x:expr) => { $x * $x };
}
