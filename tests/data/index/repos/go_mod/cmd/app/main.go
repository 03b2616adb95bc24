package main

import (
	"fmt"
	"os"

	"example.com/shop/internal/store"
	u "example.com/shop/pkg/util"
	_ "github.com/google/uuid"
)

func main() {
	s := store.New()
	fmt.Println(s.Count(), u.Version, os.Args)
}
