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
	kvmdAddr := flag.String("kvmd-addr", "", "also serve a fake kvmd (user admin, password admin) on this loopback address, e.g. 127.0.0.1:8088")
	bootDelay := flag.Duration("boot-delay", 2*time.Second, "how long the fake kvmd's simulated host takes to power on")
	flag.Parse()

	incus, err := mockhost.StartIncus(*socket, *image)
	if err != nil {
		log.Fatalf("mockhost: %v", err)
	}
	incus.OperationDelay = *opDelay
	fmt.Printf("mock incusd listening on unix://%s (image %q)\n", *socket, *image)
	if *kvmdAddr != "" {
		kvmd, err := mockhost.StartKVMD(*kvmdAddr, mockhost.KVMDOptions{
			BootDelay: *bootDelay, ShutdownDelay: *bootDelay / 2, LongClickTime: time.Second,
			GPIOSwitches: []string{"relay1"}, GPIOPulses: []string{"button2"},
		})
		if err != nil {
			log.Fatalf("mockhost: %v", err)
		}
		defer func() { _ = kvmd.Close() }()
		fmt.Printf("fake kvmd listening on %s (admin/admin)\n", kvmd.URL())
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	_ = incus.Close()
	fmt.Printf("mockhost: served %d requests; stopped at %s\n", incus.Requests(), time.Now().Format(time.TimeOnly))
}
