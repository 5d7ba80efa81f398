package example

trait Shape {
  def area: Double
}

case class Circle(r: Double) extends Shape {
  def area: Double = 3.14 * r * r
}

object Registry {
  private var shapes = List.empty[Shape]

  def add(s: Shape): Unit = {
    shapes = s :: shapes
  }
}

class Counter {
  def inc(n: Int): Int = n + 1
}
