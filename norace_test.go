//go:build !race

package herd_test

const raceEnabled = false
