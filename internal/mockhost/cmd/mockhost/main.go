// Command mockhost runs the mock hosts on their own, for `make demo`, the
// benchmarks, and users who test their HCL modules without hardware:
//
//	go run ./internal/mockhost/cmd/mockhost -incus-socket /tmp/incus.sock
//
// Point the provider at it with an incus_remote of address
// "unix:///tmp/incus.sock". It runs until interrupted.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func main() {
	socket := flag.String("incus-socket", "mock-incus.sock", "unix socket for the fake incusd")
	image := flag.String("image", "rack-busybox", "alias of the image the fake incusd offers")
	opDelay := flag.Duration("operation-delay", 0, "how long each Incus background operation takes (e.g. 200ms)")
	flag.Parse()

	incus, err := mockhost.StartIncus(*socket, *image)
	if err != nil {
		log.Fatalf("mockhost: %v", err)
	}
	incus.OperationDelay = *opDelay
	fmt.Printf("mock incusd listening on unix://%s (image %q)\n", *socket, *image)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	_ = incus.Close()
	fmt.Printf("mockhost: served %d requests; stopped at %s\n", incus.Requests(), time.Now().Format(time.TimeOnly))
}
