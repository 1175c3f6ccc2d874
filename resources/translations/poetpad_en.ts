<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>CorpusSummary</name>
    <message numerus="yes">
        <location filename="../../poetpad/gui/workers.py" line="+493"/>
        <source>%n file(s) were passed over; the first: {reason}</source>
        <translation>
            <numerusform>%n file was passed over: {reason}</numerusform>
            <numerusform>%n files were passed over; the first: {reason}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Device</name>
    <message numerus="yes">
        <location line="-273"/>
        <source>CPU (%n thread(s))</source>
        <translation>
            <numerusform>CPU (%n thread)</numerusform>
            <numerusform>CPU (%n threads)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <location filename="../../poetpad/gui/requests.py" line="+245"/>
        <source>%n suggestion(s) from {model} · Tab accepts, Esc dismisses, Alt+↑/↓ cycles</source>
        <translation>
            <numerusform>%n suggestion from {model} · Tab accepts, Esc dismisses</numerusform>
            <numerusform>%n suggestions from {model} · Tab accepts, Esc dismisses, Alt+↑/↓ cycles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../poetpad/gui/main_window.py" line="+272"/>
        <source>%n character(s)</source>
        <translation>
            <numerusform>%n character</numerusform>
            <numerusform>%n characters</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message numerus="yes">
        <location filename="../../poetpad/gui/dialogs/model_manager.py" line="+441"/>
        <location line="+95"/>
        <source>%n model(s).</source>
        <translation>
            <numerusform>%n model.</numerusform>
            <numerusform>%n models.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OptionsPanel</name>
    <message numerus="yes">
        <location filename="../../poetpad/gui/dialogs/training_options.py" line="+534"/>
        <source>the CPU, %n thread(s)</source>
        <translation>
            <numerusform>the CPU, %n thread</numerusform>
            <numerusform>the CPU, %n threads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message numerus="yes">
        <location filename="../../poetpad/gui/dialogs/training_progress.py" line="+91"/>
        <source>Precision {precision}, {softmax}, %n CPU thread(s).</source>
        <translation>
            <numerusform>Precision {precision}, {softmax}, %n CPU thread.</numerusform>
            <numerusform>Precision {precision}, {softmax}, %n CPU threads.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+71"/>
        <source>The run ends after %n epoch(s), or sooner once the held-out poems stop improving.</source>
        <translation>
            <numerusform>The run ends after %n epoch, or sooner once the held-out poems stop improving.</numerusform>
            <numerusform>The run ends after %n epochs, or sooner once the held-out poems stop improving.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>The run ends after {budget} of training or %n epoch(s), whichever comes first.</source>
        <translation>
            <numerusform>The run ends after {budget} of training or %n epoch, whichever comes first.</numerusform>
            <numerusform>The run ends after {budget} of training or %n epochs, whichever comes first.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrainingReport</name>
    <message numerus="yes">
        <location filename="../../poetpad/gui/report.py" line="+91"/>
        <source>Loss on %n of your poems it did not train on (lower is better):</source>
        <translation>
            <numerusform>Loss on %n of your poems it did not train on (lower is better):</numerusform>
            <numerusform>Loss on %n of your poems it did not train on (lower is better):</numerusform>
        </translation>
    </message>
</context>
</TS>
