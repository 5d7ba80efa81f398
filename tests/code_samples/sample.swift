import Foundation

protocol Shape {
    func area() -> Double
}

struct Circle: Shape {
    let r: Double

    init(r: Double) {
        self.r = r
    }

    func area() -> Double {
        return 3.14 * r * r
    }
}

class Registry {
    var shapes: [Shape] = []

    func add(_ s: Shape) {
        shapes.append(s)
    }
}

extension Circle {
    func diameter() -> Double { 2 * r }
}

enum Kind {
    case round, square
}

func total(_ xs: [Shape]) -> Double {
    xs.reduce(0) { $0 + $1.area() }
}
