package scan

import "strings"

// The frames, obligations and concealments of mlProcessorOrders in the
// languages of Asia and the Middle East. A frame names an automated reader
// of the record (a program, an AI, a tool, an assistant that reads,
// summarises, processes or relays it) or the summary being made of it; a
// frame that names a person ("the reader", "the translator") is not one,
// since notes to people give orders too. Generic nouns ("AI assistant")
// count only when addressed ("for the AI assistant", "AIアシスタントへ").

// mlAsiaProcessorNamed are the frames; built from a reading verb and the
// nouns of automated readers where the language joins them in one phrase.
var mlAsiaProcessorNamed = func() []string {
	var out []string
	join := func(verbs, nouns []string, sep string) {
		for _, v := range verbs {
			for _, n := range nouns {
				out = append(out, v+sep+n)
			}
		}
	}
	// Japanese: "内容を整理するプログラム", "本ページを読み込むAI"
	join([]string{"読み込む", "読み込んだ", "読み込んでいる", "読む", "読んでいる", "読み取る", "整理する", "要約する", "処理する", "解析する", "取り込む", "閲覧する", "転送する", "収集する"},
		[]string{"プログラム", "ai", "ツール", "アシスタント", "エージェント", "ボット", "システム", "クローラ", "自動"}, "")
	out = append(out, "要約する際", "要約の際", "要約時", "要約する場合", "要約される場合", "要約を作成する際", "自動処理される場合", "aiへ", "aiアシスタントへ", "aiの方へ", "aiエージェントへ", "アシスタントaiへ")
	// Chinese: "阅读本文的AI", "整理本頁的工具" (a reading verb and this
	// record, then 的 and the reader's noun: mlZhReaderNext), "本文若經整理工具轉述"
	for _, v := range mlZhVerbs {
		for _, d := range mlZhThis {
			out = append(out, v+d)
		}
	}
	for _, d := range mlZhThis {
		join([]string{d}, []string{"若經", "若经", "若被", "如經", "如经", "如被", "若由", "如由", "一旦被", "經由", "经由"}, "")
	}
	out = append(out, "总结时", "總結時", "摘要时", "摘要時", "转述时", "轉述時", "汇总时", "彙總時", "致ai", "给ai助手", "給ai助手", "给ai助理", "給ai助理", "致正在阅读", "致正在閱讀", "整理工具", "摘要工具", "总结工具", "總結工具")
	// Korean: "이 페이지를 요약하는 AI", "요약할 때"
	join([]string{"요약하는", "읽는", "읽고 있는", "처리하는", "정리하는", "수집하는", "분석하는"}, []string{" ai", " 프로그램", " 도구", " 어시스턴트", " 비서", " 에이전트", " 봇", " 시스템"}, "")
	out = append(out, "요약할 때", "요약 시", "요약 시에", "ai에게", "ai 비서에게", "ai 어시스턴트에게", "ai 에이전트에게", "자동 프로그램")
	// Thai: "สำหรับผู้สรุป", "ผู้ช่วยที่ทำงานแทน", "AI ที่อ่าน"
	out = append(out, "ผู้สรุป", "เมื่อสรุป", "ในการสรุป", "ขณะสรุป", "ai ที่อ่าน", "ai ที่สรุป", "ai ที่ประมวลผล", "โปรแกรมที่อ่าน", "โปรแกรมที่สรุป", "โปรแกรมที่ประมวลผล", "ระบบที่อ่าน", "ผู้ช่วยที่ทำงานแทน", "ผู้ช่วยอัตโนมัติ", "ถึงผู้ช่วย ai", "สำหรับผู้ช่วย ai", "สำหรับ ai", "ผ่านผู้ช่วยอัตโนมัติ", "เครื่องมือที่อ่าน", "เครื่องมือที่สรุป")
	// Vietnamese
	out = append(out, "khi tóm tắt", "khi được tóm tắt", "trợ lý ai đọc", "công cụ đọc", "công cụ tóm tắt", "chương trình đọc", "chương trình tóm tắt", "ai đọc trang", "ai đọc email", "ai đọc bài", "gửi trợ lý ai", "dành cho trợ lý ai", "cho trợ lý ai", "gửi ai", "hệ thống ai đọc")
	// Indonesian and Malay
	out = append(out, "ai yang membaca", "ai yang merangkum", "ai yang memproses", "program yang membaca", "program yang merangkum", "program yang memproses", "alat yang membaca", "alat yang merangkum", "asisten yang membaca", "pembantu yang membaca",
		"saat meringkas", "ketika meringkas", "saat merangkum", "ketika merangkum", "semasa meringkaskan", "semasa merumuskan", "apabila meringkaskan", "untuk asisten ai", "kepada asisten ai", "untuk pembantu ai", "kepada pembantu ai", "untuk ai", "kepada ai")
	// Tagalog
	out = append(out, "para sa ai", "sa ai assistant", "ai assistant na", "na nagbubuod", "na nagbabasa nito", "na nagpoproseso", "kapag ibinubuod", "kapag binubuod", "sa pagbubuod")
	// Hindi and Marathi
	out = append(out, "सारांश बनाते समय", "सारांश तैयार करते समय", "सारांश करते समय", "पढ़ने वाले ai", "पढ़ने वाले एआई", "पढ़ रहे ai", "पढ़ रहे एआई", "ai सहायक के लिए", "एआई सहायक के लिए", "स्वचालित प्रोग्राम", "जो प्रोग्राम", "जो टूल", "जो एआई",
		"सारांश करताना", "वाचणाऱ्या ai", "वाचणाऱ्या एआय", "एआय सहाय्यकासाठी", "स्वयंचलित प्रोग्राम")
	// Bengali
	out = append(out, "স্বয়ংক্রিয় প্রোগ্রাম", "যে প্রোগ্রাম", "যে এআই", "যে ai", "এআই সহকারীর জন্য", "ai সহকারীর জন্য", "সারাংশ তৈরির সময়", "সারাংশ করার সময়", "সারসংক্ষেপ করার সময়", "পড়ছে তার জন্য")
	// Tamil and Telugu
	out = append(out, "வாசிக்கும் ai", "படிக்கும் ai", "வாசிக்கும் coding", "வாசிக்கும் உதவியாளர்", "படிக்கும் உதவியாளர்", "ai உதவியாளர்களுக்கு", "ai உதவியாளருக்கு", "தானியங்கி நிரல்", "சுருக்கம் எழுதும்போது", "சுருக்கும்போது", "சுருக்கமாக்கும்போது",
		"చదివే ai", "చదువుతున్న ai", "ఏఐ సహాయకుడికి", "ai సహాయకుడికి", "సారాంశం చేసేటప్పుడు", "సారాంశం రాసేటప్పుడు", "స్వయంచాలక ప్రోగ్రామ్")
	// Urdu, Arabic, Persian, Hebrew
	out = append(out, "خلاصہ کرتے وقت", "خلاصہ یا ترجمہ کرتے وقت", "کا خلاصہ بناتے وقت", "خودکار پروگرام", "اے آئی اسسٹنٹ کے لیے", "ai اسسٹنٹ کے لیے", "پڑھنے والے اے آئی", "پڑھنے والے پروگرام",
		"عند تلخيص", "أثناء تلخيص", "عند ترجمة أو تلخيص", "للمساعد الذكي", "إلى المساعد الذكي", "إلى المساعد الذي", "المساعد الذي يقرأ", "البرنامج الذي يقرأ", "الأداة التي تقرأ", "أي برنامج يقرأ", "أي أداة تقرأ", "أي مساعد يقرأ", "للذكاء الاصطناعي الذي",
		"هنگام خلاصه", "در هنگام خلاصه", "برای دستیار هوش مصنوعی", "به دستیار هوش مصنوعی", "دستیاری که این", "برنامه‌ای که این", "برنامه ای که این", "ابزاری که این", "هر برنامه‌ای که", "هر ابزاری که",
		"בעת סיכום", "למי שמסכם", "לעוזר ה-ai", "לעוזר הבינה המלאכותית", "לעוזר ai", "התוכנה שקוראת", "כל כלי שקורא", "כל תוכנה שקוראת", "הכלי שקורא")
	// Turkish
	out = append(out, "özetlerken", "özetlenirken", "özetleyen yapay zeka", "özetleyen araç", "özetleyen program", "okuyan yapay zeka", "okuyan asistan", "okuyan program", "okuyan araç", "işleyen yapay zeka", "işleyen program", "yapay zeka asistanına", "yapay zekâ asistanına")
	return out
}()

// mlZhReaderNext reports whether w, the text after a Chinese frame of a
// verb and this record ("读取本页"), goes on with 的 and an automated
// reader ("的AI", "的工具"): "阅读本文的读者" is a person.
func mlZhReaderNext(w string) bool {
	if !strings.HasPrefix(w, "的") {
		return false
	}
	w = strings.TrimLeft(w[len("的"):], " ")
	for _, n := range mlZhReaders {
		if strings.HasPrefix(w, n) {
			return true
		}
	}
	return false
}

var (
	// Chinese verbs of reading and processing, and "this page", "this
	// mail", "this post": a frame is a verb, this record, 的 and a noun
	// of an automated reader
	mlZhVerbs    = []string{"阅读", "閱讀", "读取", "讀取", "处理", "處理", "整理", "总结", "總結", "摘要", "转述", "轉述", "解析", "抓取", "浏览", "瀏覽", "汇总", "彙總"}
	mlZhThis     = []string{"本文", "本页", "本頁", "此页", "此頁", "本邮件", "本郵件", "此邮件", "此郵件", "这封邮件", "這封郵件", "本帖", "此帖", "本消息", "本訊息", "此消息", "此訊息", "这篇文章", "這篇文章", "本文章", "本网页", "本網頁", "此网页", "此網頁"}
	mlZhVerbThis = func() map[string]bool {
		m := map[string]bool{}
		for _, v := range mlZhVerbs {
			for _, d := range mlZhThis {
				m[v+d] = true
			}
		}
		return m
	}()
	mlZhReaders = []string{"ai", "程序", "程式", "工具", "助手", "助理", "机器人", "機器人", "模型", "系统", "系統", "智能体", "代理", "爬虫", "爬蟲"}
	// obligations: "must", "is to", "should be done"
	mlAsiaObligationWords = []string{"こと。", "ておくこと", "すること。", "しなければ", "必須", "必须", "必須", "须将", "須將", "务必", "務必", "应将", "應將", "请将", "請將",
		"해야", "할 것", "하십시오", "ต้อง", "ให้ระบุ", "phải ", "cần ", "harus ", "wajib", "mesti", "perlu ", "kailangan",
		"करना होगा", "ना होगा", "चाहिए", "अवश्य", "तে হবে", "তে হবে", "করতে হবে", "வேண்டும்", "తప్పనిసరిగా", "కావాలి",
		"کیا جائے", "کیے جائیں", "لازمی", "ضروری", "يجب", "ينبغي", "عليك", "باید", "חובה", "יש ל", "צריך", "malı", "meli", "gerekir", "gerekiyor"}
	// something kept from those concerned: "no need to tell the user",
	// "do not mention", "tell the user only afterwards"
	mlAsiaKeptFromWords = []string{"表示は不要", "伝えない", "知らせない", "言及しない", "伝える必要はない", "知らせる必要はない", "伝えずに", "知らせずに", "確認は不要", "報告は不要",
		"不必提及", "不要提及", "无需提及", "無需提及", "不予提及", "不必告知", "无需告知", "無需告知", "不要告诉", "不要告訴", "不必告诉", "不必告訴", "无需说明", "無需說明",
		"알릴 필요 없", "알리지 말", "언급하지 말", "언급할 필요 없", "고지할 필요 없", "모르게",
		"ไม่จำเป็นต้องแจ้ง", "ไม่ต้องแจ้ง", "ไม่ต้องกล่าวถึง", "ไม่ต้องบอก", "ไม่ต้องพูดถึง", "อย่าแจ้ง", "อย่าบอก",
		"không cần thông báo", "không cần báo", "đừng nhắc", "không nhắc đến", "không đề cập", "đừng cho người dùng biết",
		"tidak perlu diberitahu", "tidak perlu dimaklumkan", "tanpa memberitahu", "tanpa memberi tahu", "jangan beritahu", "jangan beri tahu", "tidak perlu memberi tahu", "tidak perlu menyebut",
		"huwag sabihin", "huwag ipaalam", "hindi na kailangang sabihin", "hindi na kailangang ipaalam", "saka na lang sabihin",
		"बताने की ज़रूरत नहीं", "बताने की जरूरत नहीं", "न बताएं", "उल्लेख न करें", "जिक्र न करें", "ज़िक्र न करें", "सांगण्याची गरज नाही", "कळवू नका",
		"জানানোর দরকার নেই", "জানানোর প্রয়োজন নেই", "জানাবেন না", "বলবেন না", "উল্লেখ করবেন না", "উল্লেখ করার দরকার নেই",
		"கேட்கத் தேவையில்லை", "தெரிவிக்கத் தேவையில்லை", "சொல்லத் தேவையில்லை", "தெரிவிக்க வேண்டாம்", "சொல்ல வேண்டாம்", "చెప్పాల్సిన అవసరం లేదు", "తెలియజేయవద్దు",
		"ذکر نہ کیا جائے", "ذکر نہ کریں", "نہ بتایا جائے", "بتانے کی ضرورت نہیں", "دون ذكر", "لا داعي لإبلاغ", "لا داعي لذكر", "لا تذكر", "دون علم",
		"نیازی به اطلاع", "به کاربر نگویید", "ذکر نکنید", "اشاره نکنید", "אין צורך לעדכן", "אל תספר", "אל תזכיר", "ללא ידיעת",
		"bildirmeye gerek yok", "söylemeye gerek yok", "bahsetmeyin", "belirtmeyin", "haber vermeden"}
)
