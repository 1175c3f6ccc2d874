<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AlternativesPopup</name>
    <message>
        <location filename="../../poetpad/gui/revision.py" line="+89"/>
        <source>No other character keeps the form, the tones and the rhyme here.</source>
        <translation>这里没有别的字能同时合乎体裁、平仄和韵脚。</translation>
    </message>
</context>
<context>
    <name>BaseChooser</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/training_options.py" line="+119"/>
        <source>loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+67"/>
        <location line="+18"/>
        <source>None: train a new model from scratch</source>
        <translation>无：从头训练新模型</translation>
    </message>
    <message>
        <location line="-50"/>
        <source>Adapt {name} to these poems (recommended)</source>
        <translation>让 {name} 适应这些诗（推荐）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Automatic: no bundled model writes {language}, so a new one</source>
        <translation>自动：没有内置的{language}模型，因此训练新模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Adapt the bundled model of the poems&apos; language (recommended)</source>
        <translation>调整与诗作语言相同的内置模型（推荐）</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>{name} ({language})</source>
        <translation>{name}（{language}）</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>the models could not be listed</source>
        <translation>无法列出模型</translation>
    </message>
</context>
<context>
    <name>CorpusPanel</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/training_corpus.py" line="+30"/>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Poems to learn from</source>
        <translation>学习用的诗作</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Add files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Add .txt, .md or .json files, or folders of them; you can also drop them here.</source>
        <translation>添加 .txt、.md 或 .json 文件，或存放这些文件的文件夹；也可以直接拖放到这里。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Simplify Chinese (traditional → simplified)</source>
        <translation>转为简体中文（繁体 → 简体）</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>A few of the poems will show here.</source>
        <translation>这里会显示几首诗作样例。</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Poems</source>
        <translation>篇数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Lines</source>
        <translation>句数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Characters</source>
        <translation>字数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Distinct characters</source>
        <translation>不同字数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vocabulary (tokens)</source>
        <translation>词表（词元数）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Files</source>
        <translation>文件数</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Forms:</source>
        <translation>体裁：</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>Add poem files</source>
        <translation>添加诗作文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Poems (*.txt *.md *.markdown *.json);;All files (*)</source>
        <translation>诗作 (*.txt *.md *.markdown *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add a folder of poems</source>
        <translation>添加诗作文件夹</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>reading…</source>
        <translation>读取中…</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>English verse</source>
        <translation>英文诗</translation>
    </message>
</context>
<context>
    <name>CorpusSummary</name>
    <message>
        <location filename="../../poetpad/gui/workers.py" line="+486"/>
        <source>Too small to train: {chars:,} characters; at least {needed:,} are needed.</source>
        <translation>诗集太小，无法训练：只有 {chars:,} 字，至少需要 {needed:,} 字。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Small corpus: the model will tend to copy your poems rather than write new ones.</source>
        <translation>诗集较小：模型容易照搬你的诗句，而不是写出新句。</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>%n file(s) were passed over; the first: {reason}</source>
        <translation>
            <numerusform>跳过了 %n 个文件；第一个的原因：{reason}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Device</name>
    <message numerus="yes">
        <location line="-273"/>
        <source>CPU (%n thread(s))</source>
        <translation>
            <numerusform>CPU（%n 线程）</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Apple GPU (MPS)</source>
        <translation>Apple GPU（MPS）</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <location filename="../../poetpad/gui/export.py" line="+79"/>
        <source>Plain text (*.txt)</source>
        <translation>纯文本 (*.txt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>HTML (*.html)</source>
        <translation>HTML (*.html)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>OpenDocument text (*.odt)</source>
        <translation>OpenDocument 文本 (*.odt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Poem card image (*.png)</source>
        <translation>诗笺图片 (*.png)</translation>
    </message>
    <message>
        <location line="+87"/>
        <source>Add a file extension to choose the export format: {choices}.</source>
        <translation>请添加文件扩展名以选择导出格式：{choices}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PoetPad cannot export to .{suffix} files: choose one of {choices}.</source>
        <translation>PoetPad 无法导出为 .{suffix} 文件，请从 {choices} 中选择一种。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>PoetPad cannot export to the {fmt} format: choose one of {choices}.</source>
        <translation>PoetPad 无法导出为 {fmt} 格式，请从 {choices} 中选择一种。</translation>
    </message>
    <message>
        <location line="+200"/>
        <source>Could not write {path}: Qt could not build the OpenDocument file.</source>
        <translation>无法写入 {path}：Qt 无法生成 OpenDocument 文件。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Could not write {path}: Qt could not start the PDF.</source>
        <translation>无法写入 {path}：Qt 无法创建 PDF。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not write {path}: Qt could not add a PDF page.</source>
        <translation>无法写入 {path}：Qt 无法添加 PDF 页面。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Could not write {path}: Qt could not encode the PNG image.</source>
        <translation>无法写入 {path}：Qt 无法编码 PNG 图片。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>The card width must be between {low} and {high} pixels.</source>
        <translation>诗笺宽度须在 {low} 到 {high} 像素之间。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>The poem is too long for a card image: export it as PDF instead.</source>
        <translation>这首诗太长，无法做成诗笺图片，请改为导出 PDF。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>There is not enough memory for a card this size: choose a smaller card width.</source>
        <translation>内存不足，无法生成这么大的诗笺，请选择较小的宽度。</translation>
    </message>
    <message>
        <location line="+126"/>
        <location line="+39"/>
        <source>There is nothing to export: the poem is empty.</source>
        <translation>没有可导出的内容：诗稿为空。</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Could not write {path}: {reason}.</source>
        <translation>无法写入 {path}：{reason}。</translation>
    </message>
</context>
<context>
    <name>LossChart</name>
    <message>
        <location filename="../../poetpad/gui/charts.py" line="+61"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../poetpad/gui/menus.py" line="+147"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plain text…</source>
        <translation>纯文本…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Markdown…</source>
        <translation>Markdown…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>HTML…</source>
        <translation>HTML…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>OpenDocument (ODT)…</source>
        <translation>OpenDocument (ODT)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PDF…</source>
        <translation>PDF…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Poem card (PNG)…</source>
        <translation>诗笺图片 (PNG)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Poem card, vertical (PNG)…</source>
        <translation>竖排诗笺图片 (PNG)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Copy the poem</source>
        <translation>复制全诗(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Write on	Ctrl+Enter</source>
        <translation>续写(&amp;W)	Ctrl+Enter</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write what the &amp;Verse panel says	Ctrl+Shift+Enter</source>
        <translation>按作诗面板写(&amp;V)	Ctrl+Shift+Enter</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show &amp;tones and rhymes (平/仄)</source>
        <translation>显示平仄与韵脚(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Editor &amp;font…</source>
        <translation>编辑器字体(&amp;F)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+5"/>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/main_window.py" line="+200"/>
        <source>Verse</source>
        <translation>作诗</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Suggestions</source>
        <translation>候选</translation>
    </message>
    <message numerus="yes">
        <location line="+71"/>
        <source>%n character(s)</source>
        <translation>
            <numerusform>%n 字</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/menus.py" line="-48"/>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>&amp;Alternatives for this character</source>
        <translation>换一个字(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rewrite this &amp;line</source>
        <translation>重写本句(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Loc&amp;k or unlock the selection</source>
        <translation>锁定或解锁所选文字(&amp;K)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rewrite the &amp;unlocked text</source>
        <translation>重写未锁定的文字(&amp;U)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unlock everything</source>
        <translation>全部解锁</translation>
    </message>
    <message>
        <location line="-36"/>
        <source>&amp;Model manager…</source>
        <translation>模型管理(&amp;M)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Train a model…</source>
        <translation>训练模型(&amp;T)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About PoetPad</source>
        <translation>关于 PoetPad(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quick guide</source>
        <translation>快速入门(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/main_window.py" line="-70"/>
        <source>Write a line, then press Ctrl+Enter for the next words. Tab accepts a suggestion, Esc dismisses it.</source>
        <translation>写下一句，按 Ctrl+Enter 让 PoetPad 续写。按 Tab 采纳建议，按 Esc 放弃。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/writer.py" line="+85"/>
        <source>Loading {name} for this poem&apos;s language…</source>
        <translation>正在为这首诗的语言加载 {name}…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>{name} · {device}</source>
        <translation>{name} · {device}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>no {language} model</source>
        <translation>没有{language}模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>a {language} model</source>
        <translation>{language}模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/main_window.py" line="+49"/>
        <source>Ctrl+Enter: {what}</source>
        <translation>Ctrl+Enter：{what}</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/requests.py" line="+126"/>
        <source>Type the acrostic heads in the Verse panel first.</source>
        <translation>请先在“作诗”面板中填写藏头字。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>No model is loaded: open Models → Model manager to choose one.</source>
        <translation>尚未加载模型：请打开“模型 → 模型管理”选择一个。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The model is still loading; your request will run when it is ready.</source>
        <translation>模型仍在加载，加载完成后会自动续写。</translation>
    </message>
    <message>
        <location line="+23"/>
        <location line="+1"/>
        <source>Writing…</source>
        <translation>正在构思…</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Nothing to add here: the model had nothing more for this poem. Try Next line or Finish the poem, or change the settings.</source>
        <translation>这里没有可添的了：模型对这首诗写不出更多。试试“写下一句”或“续完全诗”，或调整设置。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No suggestion this time; try again or change the settings.</source>
        <translation>这次没有得到建议，请重试或调整设置。</translation>
    </message>
    <message numerus="yes">
        <location line="+6"/>
        <source>%n suggestion(s) from {model} · Tab accepts, Esc dismisses, Alt+↑/↓ cycles</source>
        <translation>
            <numerusform>{model} 写了 %n 条建议 · Tab 采纳，Esc 放弃，Alt+↑/↓ 切换</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/revision.py" line="+32"/>
        <source>Put the cursor in a Chinese poem of five- or seven-character lines.</source>
        <translation>请把光标放在一首五言或七言的中文诗里。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Locked: a rewrite keeps it.</source>
        <translation>已锁定：重写时会保留。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unlocked.</source>
        <translation>已解锁。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Lock the characters to keep first (select them, Ctrl+L); the rest is rewritten.</source>
        <translation>请先锁定要保留的字（选中后按 Ctrl+L），其余部分将被重写。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/requests.py" line="-92"/>
        <source>The model is not loaded yet; try again in a moment.</source>
        <translation>模型尚未加载，请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/revision.py" line="+30"/>
        <source>Pick a character, or Esc to keep the one there.</source>
        <translation>选一个字，或按 Esc 保留原字。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No rewrite keeps the form, the tones and the rhyme here.</source>
        <translation>这里没有能同时合乎体裁、平仄和韵脚的改写。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Pick a rewrite in the Suggestions panel (Enter or double-click) to put it in place.</source>
        <translation>在“候选”面板中选一种改写（按 Enter 或双击）放入诗中。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/main_window.py" line="+25"/>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/ask.py" line="+47"/>
        <source>Save the changes to {name}?</source>
        <translation>是否保存对{name}的修改？</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/documents.py" line="+257"/>
        <source>this poem</source>
        <translation>这首诗</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Open a poem</source>
        <translation>打开诗稿</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/ask.py" line="+6"/>
        <source>Open the readable part? The cut-off character is left out.</source>
        <translation>要打开可读的部分吗？被截断的字将被略去。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{name} is large ({size} MB). PoetPad is made for poems: a file this large opens slowly and every keystroke in it takes longer. Open it anyway?</source>
        <translation>{name} 很大（{size} MB）。PoetPad 是为写诗而做的：这么大的文件打开很慢，每次按键也会变慢。仍要打开吗？</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/documents.py" line="+41"/>
        <source>poem.txt</source>
        <translation>诗稿.txt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save the poem</source>
        <translation>保存诗稿</translation>
    </message>
    <message>
        <location line="-101"/>
        <source>Poems (*.txt *.md)</source>
        <translation>诗稿 (*.txt *.md)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt)</source>
        <translation>纯文本 (*.txt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <location line="+111"/>
        <source>Could not save {path}: {reason}.</source>
        <translation>无法保存 {path}：{reason}。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>There is nothing to export: the poem is empty.</source>
        <translation>没有可导出的内容：诗稿为空。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>poem</source>
        <translation>诗稿</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export the poem</source>
        <translation>导出诗稿</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Exported {path}</source>
        <translation>已导出 {path}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The poem is on the clipboard.</source>
        <translation>全诗已复制到剪贴板。</translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Recovered the poem autosaved at {when}.</source>
        <translation>已恢复 {when} 自动保存的诗稿。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/ask.py" line="+9"/>
        <source>an unsaved new poem</source>
        <translation>一首未保存的新诗</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>PoetPad did not close properly. Recover the unsaved text of {what}, autosaved at {when}?</source>
        <translation>PoetPad 上次未正常关闭。要恢复{what}的未保存文本吗？（自动保存于 {when}）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Recover</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/documents.py" line="-39"/>
        <source>An autosaved copy of an unsaved poem could not be read. It was kept, not deleted, as {path}.</source>
        <translation>一份未保存诗稿的自动保存副本无法读取。它没有被删除，已保留为 {path}。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/main_window.py" line="+20"/>
        <source>Editor font</source>
        <translation>编辑器字体</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Blue: 平 (level) · orange: 仄 (oblique) · red underline: rhymes · wavy red: a fault of 格律 (point at it to see which)</source>
        <translation>蓝色：平 · 橙色：仄 · 红色下划线：韵脚 · 红色波浪线：格律之误（指向它可见详情）</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>The settings file could not be used, so PoetPad started with its defaults; the old file was kept as a backup.</source>
        <translation>设置文件无法使用，PoetPad 已按默认设置启动；旧文件已保留为备份。</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/menus.py" line="+63"/>
        <source>Continue the text at the cursor (what the line under the editor says)</source>
        <translation>在光标处续写（编辑区下方那一行说明会做什么）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Write what the Verse panel says: a new poem, an acrostic, or a continuation</source>
        <translation>按作诗面板的设置写：新作一首、藏头诗或续写</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Insert the grey suggestion</source>
        <translation>插入灰色的建议</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dismiss the suggestion; with none showing, cancel the request being written</source>
        <translation>放弃建议；没有建议时，取消正在进行的请求</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Alt+↑ / Alt+↓</source>
        <translation>Alt+↑ / Alt+↓</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the previous or next suggestion</source>
        <translation>显示上一条或下一条建议</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Undo (an inserted suggestion is one step)</source>
        <translation>撤销（插入的建议算一步）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select all</source>
        <translation>全选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cut</source>
        <translation>剪切</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Return (in Heads)</source>
        <translation>回车（在藏头字框中）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write the acrostic</source>
        <translation>写藏头诗</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Return (in Suggestions)</source>
        <translation>回车（在候选列表中）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert the selected suggestion</source>
        <translation>插入所选候选</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/main_window.py" line="+22"/>
        <source>About PoetPad</source>
        <translation>关于 PoetPad</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;PoetPad {version}&lt;/h3&gt;&lt;p&gt;An offline companion for writing poems: Chinese classical verse and English verse.&lt;/p&gt;&lt;p&gt;Your poems and models stay on this computer.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;PoetPad {version}&lt;/h3&gt;&lt;p&gt;离线的写诗伴侣：中文古典诗词与英文诗歌皆可。&lt;/p&gt;&lt;p&gt;你的诗稿和模型都只保存在这台电脑上。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../poetpad/gui/ask.py" line="+9"/>
        <source>A model is still training. Stop it and quit? The run is kept as a checkpoint, so you can resume it later.</source>
        <translation>模型仍在训练。要停止训练并退出吗？本次训练会保存为检查点，以后可以继续。</translation>
    </message>
</context>
<context>
    <name>ModelDetails</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/model_manager.py" line="+148"/>
        <source>Corpus</source>
        <translation>语料</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measured losses</source>
        <translation>实测损失</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Bundled with PoetPad</source>
        <translation>PoetPad 内置</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Your model</source>
        <translation>你的模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{cell}, {layers} layer(s) of {hidden}, {params} parameters</source>
        <translation>{cell}，{layers} 层，每层 {hidden} 单元，共 {params} 个参数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{n} tokens</source>
        <translation>{n} 个词元</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>min. frequency {n}</source>
        <translation>最低频次 {n}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PoetPad version</source>
        <translation>PoetPad 版本</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Poems</source>
        <translation>篇数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lines</source>
        <translation>句数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training time</source>
        <translation>训练用时</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped</source>
        <translation>结束原因</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Best validation loss</source>
        <translation>最佳验证损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started from</source>
        <translation>基础模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Test set</source>
        <translation>测试集</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>What it learnt</source>
        <translation>它学到了什么</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Licence</source>
        <translation>许可协议</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Samples</source>
        <translation>样例</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>ran all its epochs</source>
        <translation>已完成全部轮次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stopped early (the validation loss stopped improving)</source>
        <translation>提前停止（验证损失不再下降）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reached its time limit</source>
        <translation>达到时间上限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{nats} nats/char ({bits} bits/char)</source>
        <translation>{nats} 奈特/字（{bits} 比特/字）</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <location line="+24"/>
        <source>Models — PoetPad</source>
        <translation>模型 — PoetPad</translation>
    </message>
    <message>
        <location line="+44"/>
        <location line="+226"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location line="-193"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tokenizer</source>
        <translation>分词方式</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cell / size</source>
        <translation>单元 / 规模</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Best validation loss, in nats per character (lower is better)</source>
        <translation>最佳验证损失，单位为奈特/字（越低越好）</translation>
    </message>
    <message>
        <location line="-27"/>
        <source>Loss during training</source>
        <translation>训练中的损失</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="-267"/>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Words</source>
        <translation>单词</translation>
    </message>
    <message>
        <location line="+289"/>
        <source>Bundled</source>
        <translation>内置</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Yours</source>
        <translation>我的</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Comes with PoetPad; it cannot be renamed or deleted.</source>
        <translation>PoetPad 自带的模型，不能重命名或删除。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>In use: {path}</source>
        <translation>使用中：{path}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>No models are installed yet: import a .poetpad file, or train a model.</source>
        <translation>尚未安装任何模型：请导入 .poetpad 文件，或训练一个模型。</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <location line="+95"/>
        <source>%n model(s).</source>
        <translation>
            <numerusform>共 %n 个模型。</numerusform>
        </translation>
    </message>
    <message>
        <location line="-76"/>
        <source>Bundled models cannot be changed; export a copy instead.</source>
        <translation>内置模型不能修改；可以导出一份副本。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Import a model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+4"/>
        <source>PoetPad models (*.poetpad)</source>
        <translation>PoetPad 模型 (*.poetpad)</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Export “{name}”</source>
        <translation>导出“{name}”</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Rename model</source>
        <translation>重命名模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>New name for “{name}”:</source>
        <translation>“{name}”的新名称：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Delete the model “{name}”? Its file will be removed; this cannot be undone.</source>
        <translation>要删除模型“{name}”吗？其文件将被移除，且无法撤销。</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Imported “{name}”.</source>
        <translation>已导入“{name}”。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Exported “{name}” to {path}.</source>
        <translation>已将“{name}”导出到 {path}。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Renamed “{old}” to “{new}”.</source>
        <translation>已将“{old}”重命名为“{new}”。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Deleted “{name}”.</source>
        <translation>已删除“{name}”。</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Checking and importing {file}…</source>
        <translation>正在检查并导入 {file}…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Exporting “{name}”…</source>
        <translation>正在导出“{name}”…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Renaming “{name}”…</source>
        <translation>正在重命名“{name}”…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Deleting “{name}”…</source>
        <translation>正在删除“{name}”…</translation>
    </message>
</context>
<context>
    <name>OptionsPanel</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/training_options.py" line="-161"/>
        <source>full softmax</source>
        <translation>完整 softmax</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>adaptive softmax</source>
        <translation>自适应 softmax</translation>
    </message>
    <message>
        <location line="+233"/>
        <source>Options</source>
        <translation>选项</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>A name for the new model</source>
        <translation>新模型的名称</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Model name:</source>
        <translation>模型名称：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Fine-tune from:</source>
        <translation>微调自：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Size:</source>
        <translation>规模：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Characters (Chinese)</source>
        <translation>按字（中文）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Words (English)</source>
        <translation>按词（英文）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tokens:</source>
        <translation>词元：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cell:</source>
        <translation>循环单元：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+8"/>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>Stop after this many minutes of training (0: no limit). Training also stops, keeping its best weights, once the held-out poems stop improving.</source>
        <translation>训练这么多分钟后停止（0：不限）。留出的诗作不再进步时也会停止，并保留最好的权重。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Time budget:</source>
        <translation>时间上限：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Also stop after this many passes over the poems (0: no limit).</source>
        <translation>也可在遍历诗作这么多轮后停止（0：不限）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Epochs:</source>
        <translation>轮数：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GPU (CUDA)</source>
        <translation>GPU (CUDA)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GPU (Apple MPS)</source>
        <translation>GPU (苹果 MPS)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>GPU: checking…</source>
        <translation>GPU：检测中…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Automatic (fastest)</source>
        <translation>自动（最快）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>fp32 (full precision)</source>
        <translation>fp32（全精度）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fp16 (GPU only)</source>
        <translation>fp16（仅限 GPU）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mixed precision speeds up training where the hardware has it; the weights are kept and saved in full precision.</source>
        <translation>硬件支持时，混合精度可加快训练；权重仍以全精度保存。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Precision:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Automatic (adaptive for large vocabularies)</source>
        <translation>自动（词表大时用自适应）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Full softmax</source>
        <translation>完整 softmax</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adaptive softmax (faster)</source>
        <translation>自适应 softmax（更快）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The adaptive softmax scores rare tokens in groups, which makes training several times faster with thousands of characters.</source>
        <translation>自适应 softmax 把罕用词元分组计算，词表有数千字时训练可快数倍。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Output layer:</source>
        <translation>输出层：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checking the hardware…</source>
        <translation>正在检测硬件…</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Give the run a time budget or a number of epochs.</source>
        <translation>请为训练设定时间预算或轮数。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose a name for the model.</source>
        <translation>请为模型取个名字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved. To train another model, choose a new name.</source>
        <translation>已保存。要再训练一个模型，请换一个名称。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose another name for the model.</source>
        <translation>请为模型换个名字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resume or discard the interrupted run first.</source>
        <translation>请先继续或放弃中断的训练。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>GPU: {name}</source>
        <translation>GPU：{name}</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>GPU: none detected</source>
        <translation>GPU：未检测到</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>GPU: unknown</source>
        <translation>GPU：未知</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Tiny: a quick trial run, fine on a CPU.</source>
        <translation>微型：快速试训，CPU 即可。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Small: a few thousand poems; trains on a CPU in tens of minutes.</source>
        <translation>小型：数千首诗；在 CPU 上训练需数十分钟。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Medium: tens of thousands of poems; a GPU helps.</source>
        <translation>中型：数万首诗；最好有 GPU。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Large: a big corpus (100,000+ poems) and a GPU.</source>
        <translation>大型：大规模语料（10 万首以上），需要 GPU。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{cell}, {layers} layers of {hidden}, {embedding}-wide embeddings.</source>
        <translation>{cell}，{layers} 层，每层 {hidden} 单元，嵌入维度 {embedding}。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>the GPU ({name})</source>
        <translation>GPU（{name}）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>none detected</source>
        <translation>未检测到</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>the CPU, %n thread(s)</source>
        <translation>
            <numerusform>CPU，%n 线程</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source> with native bf16 ({kind})</source>
        <translation>，原生支持 bf16（{kind}）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the base model&apos;s</source>
        <translation>沿用基础模型的</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>adaptive softmax from {n:,} tokens, else full</source>
        <translation>词元达 {n:,} 个时用自适应 softmax，否则用完整 softmax</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Trains on {where} in {precision}; output layer: {softmax}.</source>
        <translation>训练设备：{where}；精度：{precision}；输出层：{softmax}。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Fine-tuning keeps {name}&apos;s size, cell and tokens.</source>
        <translation>微调沿用 {name} 的规模、循环单元和词元。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the base model</source>
        <translation>基础模型</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Training from scratch pays only from {n} characters of poems: a new model must first learn the language itself, which the bundled models learnt from millions of characters over hours.</source>
        <translation>诗作达到 {n} 字以上，从头训练才划算：新模型得先学会语言本身，而内置模型是用数百万字、花了数小时学会的。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Fine-tuning keeps how the model writes and bends it towards your poems.</source>
        <translation>微调保留模型原有的写法，并让它贴近你的诗风。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Your {chars} characters are enough to train a new model well.</source>
        <translation>你的 {chars} 字足以训练出好的新模型。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not recommended for {chars} characters of poems.</source>
        <translation>只有 {chars} 字诗作时不推荐。</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>A model called &apos;{name}&apos; already exists; choose another name.</source>
        <translation>已有名为“{name}”的模型，请换个名字。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>An interrupted run of {name} can be resumed.</source>
        <translation>{name} 有一次中断的训练，可以继续。</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/training_progress.py" line="+25"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>After each epoch the model writes a few lines here.</source>
        <translation>每轮训练结束后，模型会在这里写几句诗。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Sample lines:</source>
        <translation>样例诗句：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Notes:</source>
        <translation>记录：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Training on {device}: {params:,} parameters, {vocab:,} tokens in the vocabulary, {tokens:,} tokens of text, {steps:,} steps.</source>
        <translation>在 {device} 上训练：{params:,} 个参数，词表 {vocab:,} 个词元，文本 {tokens:,} 个词元，共 {steps:,} 步。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Using: {device}, {precision}, {softmax}</source>
        <translation>使用：{device}，{precision}，{softmax}</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>Precision {precision}, {softmax}, %n CPU thread(s).</source>
        <translation>
            <numerusform>精度 {precision}，{softmax}，CPU %n 线程。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Resumed at step {step:,}, after {duration} of training.</source>
        <translation>已训练 {duration}，从第 {step:,} 步继续。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{percent}% of {budget} (step {step:,})</source>
        <translation>{budget} 的 {percent}%（第 {step:,} 步）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{percent}% of {epochs} epochs (step {step:,} of {total:,})</source>
        <translation>{epochs} 轮的 {percent}%（第 {step:,} / {total:,} 步）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{percent}% of {budget} or {epochs} epochs (step {step:,})</source>
        <translation>{budget} 或 {epochs} 轮的 {percent}%（第 {step:,} 步）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{rate:,.0f} tokens/s</source>
        <translation>{rate:,.0f} 词元/秒</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Before training, the base model&apos;s loss on the held-out poems: {loss:.3f}</source>
        <translation>训练前，基础模型在留出诗作上的损失：{loss:.3f}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source> (best so far)</source>
        <translation>（迄今最佳）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Epoch {epoch}, validation loss {loss:.3f}{best}:</source>
        <translation>第 {epoch} 轮，验证损失 {loss:.3f}{best}：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Checkpoint saved at step {step:,}.</source>
        <translation>已在第 {step:,} 步保存检查点。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Finished all epochs.</source>
        <translation>已完成全部轮次。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped early: the validation loss stopped improving.</source>
        <translation>提前停止：验证损失不再下降。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped at the time budget.</source>
        <translation>已达时间上限，训练停止。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped at your request.</source>
        <translation>已按你的要求停止。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Epoch {epoch} of {epochs}</source>
        <translation>第 {epoch} 轮，共 {epochs} 轮</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Epoch {epoch}</source>
        <translation>第 {epoch} 轮</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The run ends after {budget} of training, or sooner once the held-out poems stop improving.</source>
        <translation>训练 {budget} 后结束；留出的诗作不再进步时会提前结束。</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>The run ends after %n epoch(s), or sooner once the held-out poems stop improving.</source>
        <translation>
            <numerusform>训练 %n 轮后结束；留出的诗作不再进步时会提前结束。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>The run ends after {budget} of training or %n epoch(s), whichever comes first.</source>
        <translation>
            <numerusform>训练 {budget} 或 %n 轮后结束，以先到者为准。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+7"/>
        <source>about {duration} left</source>
        <translation>约剩 {duration}</translation>
    </message>
</context>
<context>
    <name>QuickGuideDialog</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/help.py" line="+118"/>
        <source>Quick guide</source>
        <translation>快速入门</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Writing</source>
        <translation>写作</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type a line, then press &lt;b&gt;Ctrl+Enter&lt;/b&gt;: the best suggestion appears in grey at the cursor. &lt;b&gt;Tab&lt;/b&gt; inserts it, &lt;b&gt;Esc&lt;/b&gt; dismisses it, &lt;b&gt;Alt+↑/↓&lt;/b&gt; shows the others, which the Suggestions panel lists best first. The line under the editor says what Ctrl+Enter will do there: continue the line, write the next line or finish the poem, in which form, under which rhyme system and with which model. A setting that does not fit the poem at the cursor gives way, and that line says so.</source>
        <translation>写下一句，按 &lt;b&gt;Ctrl+Enter&lt;/b&gt;：最好的建议以灰字显示在光标处。&lt;b&gt;Tab&lt;/b&gt; 采纳，&lt;b&gt;Esc&lt;/b&gt; 放弃，&lt;b&gt;Alt+↑/↓&lt;/b&gt; 查看其他建议；“候选”面板按优劣排列全部建议。编辑区下方的一行说明 Ctrl+Enter 在此处会做什么：续写本句、写下一句还是续完全诗，用哪种体裁、哪部韵书、哪个模型。不适合光标处这首诗的设置会自动让步，这一行也会注明。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Acrostics and new poems</source>
        <translation>藏头诗与新作</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In the Verse panel choose &lt;i&gt;Acrostic&lt;/i&gt;, type the heads (春江花月: one character a line) and press &lt;b&gt;Write&lt;/b&gt; or &lt;b&gt;Ctrl+Shift+Enter&lt;/b&gt;. &lt;i&gt;New poem&lt;/i&gt; works the same way. They are written once and start a new paragraph; Ctrl+Enter goes on continuing the text. &lt;b&gt;Re-roll&lt;/b&gt; asks again with a new seed.</source>
        <translation>在“作诗”面板中选择&lt;i&gt;藏头诗&lt;/i&gt;，填写藏头字（如“春江花月”，每句一字），再按&lt;b&gt;写诗&lt;/b&gt;或 &lt;b&gt;Ctrl+Shift+Enter&lt;/b&gt;。&lt;i&gt;新作一首&lt;/i&gt;用法相同。它们只写这一次，并另起一段；Ctrl+Enter 仍然续写正文。&lt;b&gt;换种子重写&lt;/b&gt;用新的随机种子再请求一次。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Forms, rhymes and tones</source>
        <translation>体裁、韵书与平仄</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;Form&lt;/b&gt;: 五绝 and 七绝 have four lines of five or seven characters, 五律 and 七律 eight; &lt;i&gt;Auto&lt;/i&gt; follows the poem at the cursor; free verse has no fixed length. The even lines rhyme, on a level tone. &lt;b&gt;Rhymes&lt;/b&gt;: 平水韵 is the classical system of Tang and Song verse (its 入声 characters count as 仄); 中华新韵 (14 groups) and 中华通韵 (16 groups, the 2019 national standard) follow modern Mandarin. Do not mix them in one poem. &lt;b&gt;Tones&lt;/b&gt;: basic keeps rhymes on 平 and other line ends on 仄; strict keeps the whole 格律 (粘对, no 孤平 or 三平尾). &lt;b&gt;View → Show tones&lt;/b&gt; colours 平 and 仄, underlines the rhymes and marks faults with a wavy line; point at one to read what is wrong.</source>
        <translation>&lt;b&gt;体裁&lt;/b&gt;：五绝、七绝四句，每句五字或七字；五律、七律八句；&lt;i&gt;自动&lt;/i&gt;跟随光标处的诗；自由体不限长短。偶数句押韵，押平声韵。&lt;b&gt;韵书&lt;/b&gt;：平水韵是唐宋诗的古典韵书（入声字归仄）；中华新韵（14 韵部）和中华通韵（16 韵部，2019 年国家标准）依据现代普通话。同一首诗不可混用。&lt;b&gt;平仄&lt;/b&gt;：基本——韵脚为平，其他句尾为仄；严格——遵守全部格律（粘对，不犯孤平、三平尾）。&lt;b&gt;视图 → 显示平仄&lt;/b&gt;会为平、仄着色，给韵脚加下划线，并用波浪线标出出律之处；鼠标指向即可看到原因。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Training your own model</source>
        <translation>训练自己的模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;Models → Train a model&lt;/b&gt; reads your poems (text files, or folders of chinese-poetry JSON), shows what it found, and trains with a live loss chart; you can pause, resume or cancel, and an interrupted run is kept to resume later. &lt;b&gt;Models → Model manager&lt;/b&gt; lists the bundled models and yours, and chooses the one that writes. On the command line: &lt;code&gt;poetpad train&lt;/code&gt;.</source>
        <translation>&lt;b&gt;模型 → 训练模型&lt;/b&gt;读取你的诗（文本文件，或 chinese-poetry JSON 文件夹），先显示读到的内容，再训练并实时绘制损失曲线；可暂停、继续或取消，中断的训练会保留下来以便继续。&lt;b&gt;模型 → 模型管理&lt;/b&gt;列出内置模型和你的模型，并选择由哪个模型来写。命令行：&lt;code&gt;poetpad train&lt;/code&gt;。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Where your files live</source>
        <translation>文件存放位置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Your models: {models}&lt;br&gt;Checkpoints of unfinished training: {checkpoints}&lt;br&gt;Logs: {logs}&lt;br&gt;Settings: {settings}&lt;br&gt;The unsaved poem&apos;s autosave copy: {autosave}&lt;br&gt;Your poems stay where you save them; nothing leaves this computer.</source>
        <translation>你的模型：{models}&lt;br&gt;未完成训练的检查点：{checkpoints}&lt;br&gt;日志：{logs}&lt;br&gt;设置：{settings}&lt;br&gt;未保存诗稿的自动保存副本：{autosave}&lt;br&gt;你的诗保存在你选择的位置；任何内容都不会离开这台电脑。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The bundled models (read only): {bundled}</source>
        <translation>内置模型（只读）：{bundled}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PoetPad in five minutes</source>
        <translation>五分钟上手 PoetPad</translation>
    </message>
</context>
<context>
    <name>RunsRow</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/training_options.py" line="-388"/>
        <source>Continue it</source>
        <translation>继续这次训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill in its name, poems and options, ready to resume.</source>
        <translation>填入它的名称、诗作和选项，准备继续。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Interrupted run:</source>
        <translation>中断的训练：</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>{name}: step {step:,}, {done} of {budget}</source>
        <translation>{name}：第 {step:,} 步，已用 {done} / {budget}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name}: step {step:,}, {done} of training</source>
        <translation>{name}：第 {step:,} 步，已训练 {done}</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/help.py" line="-85"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>What they do</source>
        <translation>作用</translation>
    </message>
</context>
<context>
    <name>SuggestionsPanel</name>
    <message>
        <location filename="../../poetpad/gui/suggestions.py" line="+120"/>
        <source>Score {score:+.2f}: how likely the model finds this poem, per character, less a penalty for repeated words and stock phrases. Higher is better; the best comes first.</source>
        <translation>得分 {score:+.2f}：模型认为这首诗每字的可能性，扣除重复用字和陈词套语的罚分。越高越好；最好的排在最前。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>It breaks a rule of the form, so it comes after those that keep it:</source>
        <translation>它不合体裁的规矩，因此排在合规的候选之后：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Written by {model}</source>
        <translation>由 {model} 写成</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>No suggestions yet. Write in the editor and press Ctrl+Enter; the Verse panel&apos;s Write button writes a new poem or an acrostic.</source>
        <translation>还没有建议。在编辑区写诗并按 Ctrl+Enter；“作诗”面板的“写诗”按钮可新作一首或写藏头诗。</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Insert the selected suggestion</source>
        <translation>插入所选候选</translation>
    </message>
</context>
<context>
    <name>TrainingDialog</name>
    <message>
        <location filename="../../poetpad/gui/dialogs/training.py" line="+97"/>
        <source>Train a model</source>
        <translation>训练模型</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+180"/>
        <location line="+19"/>
        <location line="+39"/>
        <location line="+45"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="-281"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop training; the run is kept as a checkpoint so you can resume it later.</source>
        <translation>停止训练；本次训练会保存为检查点，以后可以继续。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+194"/>
        <location line="+32"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="-147"/>
        <source>Training…</source>
        <translation>正在训练…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The training engine could not be loaded: {message}</source>
        <translation>无法加载训练引擎：{message}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Loading the training engine…</source>
        <translation>正在加载训练引擎…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add files or folders of poems to learn from.</source>
        <translation>请添加用于学习的诗作文件或文件夹。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reading the poems…</source>
        <translation>正在读取诗作…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose poems that can be read.</source>
        <translation>请选择能够读取的诗作。</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Listing the models…</source>
        <translation>正在列出模型…</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Discard the interrupted run of {name}? Its progress will be lost.</source>
        <translation>要放弃 {name} 中断的训练吗？其进度将会丢失。</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>Resuming {name}…</source>
        <translation>正在继续训练 {name}…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Starting {name}…</source>
        <translation>正在开始训练 {name}…</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Resuming…</source>
        <translation>正在继续…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Pausing after this step…</source>
        <translation>本步完成后暂停…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Stopping… the run is kept as a checkpoint so you can resume it later.</source>
        <translation>正在停止… 本次训练会保存为检查点，以后可以继续。</translation>
    </message>
    <message>
        <location line="+15"/>
        <location line="+8"/>
        <source>Training {name}…</source>
        <translation>正在训练 {name}…</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Paused; a checkpoint was saved.</source>
        <translation>已暂停，检查点已保存。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Saved model {name}.</source>
        <translation>已保存模型 {name}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved model {name} (validation loss {loss:.3f}).</source>
        <translation>已保存模型 {name}（验证损失 {loss:.3f}）。</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>Training of {name} was stopped. It is kept as a checkpoint, so you can resume it later with the same name and poems.</source>
        <translation>{name} 的训练已停止。它已保存为检查点，以后用相同的名称和诗作即可继续训练。</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Training is still running. Stop it? It will be kept as a checkpoint so you can resume it later.</source>
        <translation>训练仍在进行。要停止吗？它会保存为检查点，以后可以继续。</translation>
    </message>
    <message>
        <location line="-355"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
</context>
<context>
    <name>TrainingReport</name>
    <message>
        <location filename="../../poetpad/gui/report.py" line="+35"/>
        <source>It learnt your style: it predicts your poems {gain}% better per character than {base} did, and still writes like it.</source>
        <translation>它学到了你的风格：对你的诗，它每字的预测比 {base} 好 {gain}%，写法仍与原模型一致。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>It learnt your style: it predicts your poems better than guessing by how often each character occurs.</source>
        <translation>它学到了你的风格：对你的诗，它的预测好于只按字频猜测。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>It learnt nothing measurable from your poems: it scores them as {base} does, and writes as {base} does.</source>
        <translation>它没有从你的诗中学到可测的东西：评分与 {base} 相同，写法也与 {base} 相同。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>It learnt nothing: it predicts your poems no better than guessing by how often each character occurs, so what it writes will be gibberish.</source>
        <translation>它什么也没学到：对你的诗，它的预测不比按字频猜测好，写出来的将是乱码。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>It mostly memorised your poems: many of the lines it writes are copied from them.</source>
        <translation>它主要是在背你的诗：写出的许多句子照抄原诗。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Give it more poems: a few thousand characters at least.</source>
        <translation>多给它一些诗：至少几千字。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Give it more time: raise the time budget.</source>
        <translation>多给它一些时间：提高时间预算。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fine-tune a model that already writes instead of training from scratch.</source>
        <translation>改为微调一个已会写诗的模型，而不是从头训练。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{nats} nats/char</source>
        <translation>{nats} 奈特/字</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>What the model learnt</source>
        <translation>模型学到了什么</translation>
    </message>
    <message numerus="yes">
        <location line="+14"/>
        <source>Loss on %n of your poems it did not train on (lower is better):</source>
        <translation>
            <numerusform>在 %n 首未参与训练的你的诗上的损失（越低越好）：</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loss on held-out text from your poems (lower is better):</source>
        <translation>在你诗作的留出文本上的损失（越低越好）：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The new model</source>
        <translation>新模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{base}, before training</source>
        <translation>{base}（训练前）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Guessing at random</source>
        <translation>随机猜测</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Lines copied from your poems: {copied} of {lines} ({percent}%) in the sample poems.</source>
        <translation>示例诗中照抄你诗作的句子：{lines} 句中有 {copied} 句（{percent}%）。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>To do better:</source>
        <translation>如何改进：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Poems it wrote:</source>
        <translation>它写的诗：</translation>
    </message>
</context>
<context>
    <name>VersePanel</name>
    <message>
        <location filename="../../poetpad/gui/verse_panel.py" line="+287"/>
        <source>Model: loading…</source>
        <translation>模型：加载中…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model: not loaded</source>
        <translation>模型：未加载</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model: {name}</source>
        <translation>模型：{name}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device: {device}</source>
        <translation>设备：{device}</translation>
    </message>
    <message>
        <location line="+109"/>
        <source>What to write</source>
        <translation>写什么</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mode</source>
        <translation>方式</translation>
    </message>
    <message>
        <location line="-76"/>
        <location line="+77"/>
        <source>Continue the line</source>
        <translation>续写本句</translation>
    </message>
    <message>
        <location line="-77"/>
        <location line="+77"/>
        <source>Next line</source>
        <translation>写下一句</translation>
    </message>
    <message>
        <location line="-76"/>
        <location line="+76"/>
        <source>Finish the poem</source>
        <translation>续完全诗</translation>
    </message>
    <message>
        <location line="-76"/>
        <location line="+77"/>
        <source>New poem</source>
        <translation>新作一首</translation>
    </message>
    <message>
        <location line="-77"/>
        <source>Acrostic</source>
        <translation>藏头诗</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>the acrostic is written with Write</source>
        <translation>藏头诗请用“写诗”按钮</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a new poem is written with Write</source>
        <translation>新作一首请用“写诗”按钮</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{form} does not fit this poem</source>
        <translation>{form}不合这首诗</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>this line is finished</source>
        <translation>本句已完</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Sonnet (14 lines, ABAB CDCD EFEF GG)</source>
        <translation>十四行诗（14 行，ABAB CDCD EFEF GG）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Quatrain (ABAB)</source>
        <translation>四行诗（ABAB）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Couplet (AA)</source>
        <translation>对句（AA）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Blank verse (unrhymed pentameter)</source>
        <translation>素体诗（不押韵的五音步）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Limerick (AABBA)</source>
        <translation>打油诗（AABBA）</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>free verse</source>
        <translation>自由体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>form from the first line</source>
        <translation>体裁由首句而定</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>This {form} is complete: nothing to add here. Choose a longer form, or leave a blank line to start a new poem.</source>
        <translation>这首{form}已经写完：这里没有可添的了。可选择更长的体裁，或空一行另起新诗。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Nothing to add: this {form} is complete</source>
        <translation>无可再添：这首{form}已经写完</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A whole poem</source>
        <translation>整首诗</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>A first line</source>
        <translation>首句</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{what} ({why})</source>
        <translation>{what}（{why}）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{system}, no rhyme</source>
        <translation>{system}，不押韵</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{system}, strict tones</source>
        <translation>{system}，严格平仄</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>beam {width} ×{n}</source>
        <translation>集束 {width} ×{n}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>sampling ×{n}</source>
        <translation>采样 ×{n}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Acrostic (藏头诗)</source>
        <translation>藏头诗</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Heads</source>
        <translation>藏头字</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. 春江花月</source>
        <translation>例如：春江花月</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keywords</source>
        <translation>关键词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. 雁,霜: every suggestion holds them</source>
        <translation>例如：雁,霜（每条建议都含这些字）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Form</source>
        <translation>体裁</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Auto (from the text)</source>
        <translation>自动（依据正文）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Free verse</source>
        <translation>自由体</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Rhyme the even lines</source>
        <translation>偶句押韵</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rhymes</source>
        <translation>韵书</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>平水韵: the classical rhymes and tones of Tang and Song verse (入声 characters are 仄). 中华新韵 and 中华通韵: modern Mandarin.</source>
        <translation>平水韵：唐宋诗的古韵与古声调（入声字为仄）。中华新韵与中华通韵：依现代普通话。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tones</source>
        <translation>平仄</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Off</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Basic: rhymes on 平, other line ends on 仄</source>
        <translation>基本：韵脚用平声，其余句末用仄声</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strict: the whole 格律 (粘对, no 孤平 or 三平尾)</source>
        <translation>严格：全依格律（粘对，不犯孤平与三平尾）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>How to choose</source>
        <translation>生成方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sampling</source>
        <translation>随机采样</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Beam search</source>
        <translation>集束搜索</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Beam width</source>
        <translation>束宽</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Temperature, top-k, top-p, seed</source>
        <translation>温度、top-k、top-p、随机种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fixed</source>
        <translation>固定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re-roll</source>
        <translation>换种子重写</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new seed, and the last request again</source>
        <translation>换一个随机种子，把上一次请求再做一遍</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Enter continues the text at the cursor, as the first three modes say. A new poem and an acrostic are written once, with Write (Ctrl+Shift+Enter).</source>
        <translation>Ctrl+Enter 按前三种方式在光标处续写。新作一首和藏头诗只写一次，用“写诗”按钮（Ctrl+Shift+Enter）。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Write (Ctrl+Shift+Enter)</source>
        <translation>写诗（Ctrl+Shift+Enter）</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Candidates</source>
        <translation>候选数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
</context>
</TS>
