package fw

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// TimeoutDefaults are a resource's default timeouts; zero means the resource
// offers no such timeout. The CRUD methods read their defaults from here, so
// the generated docs state the values the code uses.
type TimeoutDefaults struct {
	Create, Read, Update, Delete time.Duration
}

// TimeoutsAttribute is the `timeouts` attribute, its description listing
// the defaults.
func TimeoutsAttribute(ctx context.Context, d TimeoutDefaults) schema.Attribute {
	each := func(what string, v time.Duration) string {
		return fmt.Sprintf("How long %s may take, as a duration such as `30s` or `2h45m`. Defaults to `%s`.", what, ShortDuration(v))
	}
	opts := timeouts.Opts{
		Create: d.Create > 0, CreateDescription: each("the create", d.Create),
		Read: d.Read > 0, ReadDescription: each("a read (every refresh and plan)", d.Read),
		Update: d.Update > 0, UpdateDescription: each("an update", d.Update),
		Delete: d.Delete > 0, DeleteDescription: each("the delete", d.Delete) + " A destroy reads it from state: apply a change to it before the destroy that needs it.",
	}
	var defaults []string
	for _, t := range []struct {
		name string
		v    time.Duration
	}{{"create", d.Create}, {"read", d.Read}, {"update", d.Update}, {"delete", d.Delete}} {
		if t.v > 0 {
			defaults = append(defaults, t.name+" "+ShortDuration(t.v))
		}
	}
	a, _ := timeouts.Attributes(ctx, opts).(schema.SingleNestedAttribute)
	a.Description = "How long each step may take before it fails with a timeout. Defaults: " + strings.Join(defaults, ", ") + "."
	return a
}

// ShortDuration writes 10m rather than 10m0s.
func ShortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// PlainTimeoutsAttribute is TimeoutsAttribute with an ordinary object type,
// so that one model struct (types.Object) serves every generic resource;
// read it with Timeout.
func PlainTimeoutsAttribute(ctx context.Context, d TimeoutDefaults) schema.Attribute {
	a, _ := TimeoutsAttribute(ctx, d).(schema.SingleNestedAttribute)
	a.CustomType = nil
	return a
}

// Timeout reads one step ("create", "read", ...) of a `timeouts` object,
// fallback when it is unset.
func Timeout(obj types.Object, step string, fallback time.Duration) (time.Duration, diag.Diagnostics) {
	var diags diag.Diagnostics
	if obj.IsNull() || obj.IsUnknown() {
		return fallback, diags
	}
	s, ok := obj.Attributes()[step].(types.String)
	if !ok || s.IsNull() || s.IsUnknown() || s.ValueString() == "" {
		return fallback, diags
	}
	d, err := time.ParseDuration(s.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("timeouts").AtName(step), "Invalid Timeout", fmt.Sprintf("%q is not a duration: %s", s.ValueString(), err))
		return fallback, diags
	}
	return d, diags
}

// BeginStep is Begin for a model whose `timeouts` is a plain object.
func BeginStep(ctx context.Context, obj types.Object, step string, fallback time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	return Begin(ctx, func(context.Context, time.Duration) (time.Duration, diag.Diagnostics) {
		return Timeout(obj, step, fallback)
	}, fallback, diags)
}
