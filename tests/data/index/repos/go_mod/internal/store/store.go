// Package store keeps items.
package store

import "sync"

// MaxItems bounds a store.
const MaxItems = 100

const (
	KindA Kind = iota
	KindB
)

var defaultName = "shop"

// Kind of item.
type Kind int

// Item is one thing.
type Item struct {
	Name string
	Kind Kind
}

// Counter counts.
type Counter interface {
	Count() int
}

// Store holds items.
type Store struct {
	mu    sync.Mutex
	items []Item
}

// New makes a store.
func New() *Store {
	return &Store{}
}

// Count returns the number of items.
func (s *Store) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

func (s Store) names() []string {
	out := make([]string, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it.Name)
	}
	return out
}

func Map[T any, U any](xs []T, f func(T) U) []U {
	return nil
}
