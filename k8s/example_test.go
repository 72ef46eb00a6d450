package k8s_test

import (
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/storefit/storefit/k8s"
)

func ExampleManifest() {
	m, err := k8s.Manifest(k8s.Options{
		Name: "storefit", Shards: 2, Suite: []byte("workloads: [point/c]\n"),
		Stores: []string{"postgres"}, DSNSecret: "storefit-dsns", Image: "storefit:v1",
		StartAt: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC),
		CPU:     resource.MustParse("2"), Memory: resource.MustParse("1Gi"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(m)
}
