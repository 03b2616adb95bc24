package com.acme.model;

public interface Priced {
    double price();
}

record Money(long cents, String currency) {}
