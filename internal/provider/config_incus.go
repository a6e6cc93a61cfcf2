package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/rackform/terraform-provider-rack/internal/incus"
)

// configureIncus builds the Incus client from the incus CLI's remotes and
// the incus_remote blocks; errors go on the attribute to fix.
func configureIncus(ctx context.Context, cfg providerModel, version string, diags *diag.Diagnostics) *incus.Client {
	remotes, cliDefault, err := incus.LoadCLIRemotes(cfg.IncusConfigDir.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("incus_config_dir"), "Unreadable incus client configuration",
			fmt.Sprintf("The incus client configuration could not be read: %s\n\nFix or remove the file, or point incus_config_dir elsewhere.", err))
		return nil
	}
	if _, ok := remotes["local"]; !ok {
		remotes["local"] = incus.Remote{Name: "local", Address: "unix://"}
	}

	for i, rm := range cfg.IncusRemotes {
		if rm.Name.IsUnknown() || rm.Address.IsUnknown() || rm.ClientCertificate.IsUnknown() || rm.ClientKey.IsUnknown() ||
			rm.ServerCertificate.IsUnknown() || rm.TrustToken.IsUnknown() || rm.Project.IsUnknown() {
			diags.AddAttributeError(path.Root("incus_remote").AtListIndex(i), "Incus remote not known until apply",
				"The provider must be configured before resources are planned; use values known at plan time for incus_remote.\n\n"+
					"Under terraform test, a variable the module does not declare (set with -var or TF_VAR_) is read as an expression and is unknown when it does not parse: "+
					"quote a string value, as in -var 'incus_socket=\"/tmp/incus.sock\"'.")
			return nil
		}
		r := incus.Remote{
			Name:       rm.Name.ValueString(),
			Address:    rm.Address.ValueString(),
			ClientCert: rm.ClientCertificate.ValueString(),
			ClientKey:  rm.ClientKey.ValueString(),
			ServerCert: rm.ServerCertificate.ValueString(),
			TrustToken: rm.TrustToken.ValueString(),
			Project:    rm.Project.ValueString(),
		}
		if r.Address == "" {
			r.Address = "unix://"
		}
		if cli, ok := remotes[r.Name]; ok && !r.IsUnix() && r.ClientCert == "" {
			// Keep the certificate the incus client uses for this remote.
			r.ClientCert, r.ClientKey = cli.ClientCert, cli.ClientKey
			if r.ServerCert == "" {
				r.ServerCert = cli.ServerCert
			}
		}
		if err := r.Validate(); err != nil {
			var fe *incus.FieldError
			attr := "address"
			if errors.As(err, &fe) {
				attr = fe.Field
			}
			diags.AddAttributeError(path.Root("incus_remote").AtListIndex(i).AtName(attr),
				fmt.Sprintf("Invalid Incus remote %q", r.Name), err.Error())
			continue
		}
		remotes[r.Name] = r
	}
	if diags.HasError() {
		return nil
	}

	defaultRemote := cfg.DefaultRemote.ValueString()
	switch {
	case defaultRemote != "":
	case len(cfg.IncusRemotes) == 1:
		defaultRemote = cfg.IncusRemotes[0].Name.ValueString()
	case cliDefault != "":
		defaultRemote = cliDefault
	default:
		defaultRemote = "local"
	}
	if _, ok := remotes[defaultRemote]; !ok {
		diags.AddAttributeError(path.Root("default_remote"), "Unknown default remote",
			fmt.Sprintf("default_remote is %q, but no incus_remote block or incus client remote has that name.", defaultRemote))
		return nil
	}
	fromBlock := slices.ContainsFunc(cfg.IncusRemotes, func(rm incusRemoteModel) bool { return rm.Name.ValueString() == defaultRemote })
	if summary, detail, ok := defaultSocketWarning(remotes[defaultRemote], fromBlock, runningTest(), isUnixSocket); ok {
		diags.AddWarning(summary, detail)
	}

	client, err := incus.New(incus.Options{
		Remotes:       remotes,
		DefaultRemote: defaultRemote,
		UserAgent:     "terraform-provider-rack/" + version,
		Logger:        clientLogger("incus"),
	})
	if err != nil {
		diags.AddError("Unable to set up the Incus client", err.Error())
		return nil
	}
	tflog.Debug(ctx, "configured Incus remotes", map[string]any{"remotes": client.RemoteNames(), "default": defaultRemote})
	return client
}

type incusRemoteModel struct {
	Name              types.String `tfsdk:"name"`
	Address           types.String `tfsdk:"address"`
	ClientCertificate types.String `tfsdk:"client_certificate"`
	ClientKey         types.String `tfsdk:"client_key"`
	ServerCertificate types.String `tfsdk:"server_certificate"`
	TrustToken        types.String `tfsdk:"trust_token"`
	Project           types.String `tfsdk:"project"`
}
