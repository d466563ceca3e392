package main

import (
	"strings"
	"testing"
)

// The app actor stores every user through the herd and reads them all back.
func TestActorExample(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for key, name := range users {
		if !strings.Contains(out.String(), key+" = "+name+"\n") {
			t.Fatalf("output lacks %s = %s:\n%s", key, name, out.String())
		}
	}
}
