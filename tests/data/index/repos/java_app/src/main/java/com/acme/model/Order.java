package com.acme.model;

import java.util.List;

/** An order. */
public class Order implements Comparable<Order> {
    private final String id;
    private final int qty;

    public Order(String id, int qty) {
        this.id = id;
        this.qty = qty;
    }

    public static int total(List<Order> orders) {
        return orders.stream().mapToInt(o -> o.qty).sum();
    }

    @Override
    public int compareTo(Order other) {
        return Integer.compare(qty, other.qty);
    }
}
