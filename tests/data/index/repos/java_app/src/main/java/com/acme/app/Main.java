package com.acme.app;

import java.util.List;
import java.util.*;
import com.acme.model.Order;
import com.acme.model.*;
import static com.acme.model.Order.total;

public class Main {
    public static final int LIMIT = 10;
    private final List<Order> orders = new ArrayList<>();

    public Main() {}

    public static void main(String[] args) {
        Main m = new Main();
        m.orders.add(new Order("a", 2));
        System.out.println(total(m.orders));
    }

    interface Listener {
        void onOrder(Order o);
    }
}
