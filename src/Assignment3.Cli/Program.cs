return await Assignment3.Cli.A3App.RunWithCtrlCAsync(args);
