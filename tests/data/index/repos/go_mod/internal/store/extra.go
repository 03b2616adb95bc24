package store

func (s *Store) Add(it Item) { s.items = append(s.items, it) }
