package acctest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/rackform/terraform-provider-rack/internal/provider"
)

// Interrupter stands in for Terraform's first Ctrl-C. Terraform then sends
// the provider StopProvider, which cancels the context of every call in
// flight, waits for those calls and saves the state they return. Interrupt
// does the same to the apply calls of a provider made by Factories, at the
// exact moment a test chooses (from a mock host's request hook).
type Interrupter struct {
	mu       sync.Mutex
	stopped  bool
	inFlight map[*context.CancelFunc]bool
	atApply  atomic.Bool
}

// NewInterrupter returns an Interrupter that has not interrupted yet.
func NewInterrupter() *Interrupter {
	return &Interrupter{inFlight: map[*context.CancelFunc]bool{}}
}

// Interrupt cancels every apply call in flight, and every later one until
// Reset. The cancellation has happened when it returns, so a test knows on
// which side of it the provider's next step falls.
func (i *Interrupter) Interrupt() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.stopped = true
	for cancel := range i.inFlight {
		(*cancel)()
	}
}

// InterruptAtApply interrupts when the next apply call starts, before it
// sends anything.
func (i *Interrupter) InterruptAtApply() { i.atApply.Store(true) }

// Reset ends the interrupt: later calls run normally.
func (i *Interrupter) Reset() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.stopped = false
	i.atApply.Store(false)
}

// bind returns ctx, cancelled by Interrupt, and a function to call when the
// call is over.
func (i *Interrupter) bind(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		cancel()
	}
	i.inFlight[&cancel] = true
	return ctx, func() {
		i.mu.Lock()
		delete(i.inFlight, &cancel)
		i.mu.Unlock()
		cancel()
	}
}

// Factories serve the provider with apply calls bound to the interrupter.
func (i *Interrupter) Factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"rack": func() (tfprotov6.ProviderServer, error) {
			server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
			return interruptible{ProviderServer: server, i: i}, err
		},
	}
}

type interruptible struct {
	tfprotov6.ProviderServer
	i *Interrupter
}

func (p interruptible) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if p.i.atApply.Swap(false) {
		p.i.Interrupt()
	}
	ctx, done := p.i.bind(ctx)
	defer done()
	return p.ProviderServer.ApplyResourceChange(ctx, req)
}
