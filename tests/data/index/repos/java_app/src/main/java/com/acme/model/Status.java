package com.acme.model;

public enum Status {
    OPEN,
    CLOSED;

    public boolean done() {
        return this == CLOSED;
    }
}
