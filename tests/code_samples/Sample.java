package com.example;

import java.util.List;

public class Sample {
    private final List<String> items;

    public Sample(List<String> items) {
        this.items = items;
    }

    @Override
    public String toString() {
        return items.toString();
    }

    static class Node {
        int value;

        int twice() {
            return value * 2;
        }
    }

    interface Visitor {
        void visit(Node n);
    }

    enum Mode { FAST, SLOW }
}

record Pair(int a, int b) {
    int sum() {
        return a + b;
    }
}
