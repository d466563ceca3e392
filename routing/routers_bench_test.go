package routing

import (
	"fmt"
	"testing"
)

// BenchmarkRouters measures each router at 3, 10 and 100 equal nodes: the
// cost of a lookup, and, over 100,000 keys, the busiest node's load against
// the mean (max/mean) and the percentage of keys that move when a node is
// added or removed (the one whose address sorts last, so that Jump is
// measured where it is meant to be used). It is the source of the README's
// router table:
//
//	go test -run '^$' -bench Routers -benchmem ./routing/
func BenchmarkRouters(b *testing.B) {
	keys := testKeys(100_000)
	for _, rc := range routerCases() {
		for _, size := range []int{3, 10, 100} {
			nodes := orderedNodes(size + 1)
			r := rc.mustBuild(b, nodes[:size])
			before := owners(b, r, keys)
			peak := 0
			for _, n := range loads(before) {
				peak = max(peak, n)
			}
			added, _ := movement(before, owners(b, rc.mustBuild(b, nodes), keys), nil)
			removed, _ := movement(before, owners(b, rc.mustBuild(b, nodes[:size-1]), keys), nil)

			b.Run(fmt.Sprintf("%s/nodes=%d", rc.name, size), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := r.Lookup(keys[i%1024]); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(float64(peak)/(float64(len(keys))/float64(size)), "max/mean")
				b.ReportMetric(100*added, "%moved-add")
				b.ReportMetric(100*removed, "%moved-remove")
			})
		}
	}
}
