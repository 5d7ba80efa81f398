#include <string>

namespace geo {

class Shape {
public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
};

struct Circle : Shape {
    double r;
    double area() const override { return 3.14 * r * r; }
};

template <typename T>
T clamp(T v, T lo, T hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

}  // namespace geo

class Registry {
public:
    void add(const std::string& name);
private:
    int count_ = 0;
};

void Registry::add(const std::string& name) {
    count_++;
}
