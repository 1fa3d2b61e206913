# Sourced by the deploy scripts that drive both programs: starts the local stack, exports its connection settings
# and builds the lab, whose output holds the product beside it — $batch for the operator's verbs, $lab for the
# synthetic world. Run from the repository root.
deploy/local-stack.sh start
eval "$(deploy/local-stack.sh env)"
dotnet build src/Batch.Lab -c Release -nologo -v quiet
batch=src/Batch.Lab/bin/Release/net10.0/linux-x64/batch
lab=src/Batch.Lab/bin/Release/net10.0/linux-x64/batch-lab
