package example

import kotlin.math.sqrt

data class Point(val x: Double, val y: Double) {
    fun length(): Double = sqrt(x * x + y * y)
}

interface Shape {
    fun area(): Double
}

class Circle(private val r: Double) : Shape {
    override fun area(): Double {
        return 3.14 * r * r
    }

    companion object {
        fun unit(): Circle = Circle(1.0)
    }
}

object Registry {
    fun register(s: Shape) {}
}

fun main() {
    println(Circle.unit().area())
}
