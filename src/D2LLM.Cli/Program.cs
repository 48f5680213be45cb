using System.CommandLine;
using D2LLM.Cli.Commands;
using D2LLM.Cli.Commands.Eval;

var root = new RootCommand("d2llm: distil local Qwen LLMs into fast retrieval students, and run them.");
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(EmbedCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(DistillCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(TeacherScoreCommand.Create());
root.Subcommands.Add(MineCommand.Create());
root.Subcommands.Add(FinetuneTeacherCommand.Create());
root.Subcommands.Add(PullCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(IndexCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return root.Parse(args).Invoke();
