package scan

// A destination changed with its check waived, in other languages: a
// record, a ticket or a mail that has a refund, a bank account, a payout or
// an account's recovery or login e-mail set to a value it gives (an
// address, a phone number, an account number) and says the check that
// guards such a change was done already or is not needed ("proses refund
// penuh ... ke rekening BCA 7310 4482 19 ... tanpa meneruskan ke
// supervisor", "Werk het herstel-e-mailadres bij naar ... Verificatie is
// telefonisch al gedaan"). A bank's notice of a change tells its reader to
// call; a genuine note refuses or routes the change; neither waives the
// check for it. English has the automation rule's destinations.

// mlDestWords name where money or an account's access goes.
var mlDestWords = []string{
	// recovery and login e-mail or phone
	"herstel-e-mail", "herstelmail", "e-mail de récupération", "adresse de récupération", "wiederherstellungs-e-mail", "wiederherstellungsadresse", "correo de recuperación", "e-mail di recupero", "email di recupero", "e-mail de recuperação", "email de recuperação", "adres e-mail do odzyskiwania", "e-mail pro obnovení", "резервн", "адрес для восстановления", "адреса для відновлення", "e-mail de recuperare", "helyreállítási e-mail", "återställningsadress", "gendannelsesmail", "palautussähköposti", "kurtarma e-post", "回復用メール", "복구 이메일", "恢复邮箱", "找回邮箱", "email pemulihan", "email khôi phục", "อีเมลกู้คืน",
	"login-e-mail", "anmelde-e-mail", "e-mail de connexion", "correo de inicio de sesión", "e-mail di accesso", "e-mail de login", "inlog-e-mail", "e-mail do logowania", "přihlašovací e-mail", "адрес для входа", "ログイン用メール", "로그인 이메일", "登录邮箱",
	// a bank account, a refund or a payout
	"rekening", "iban", "bankverbindung", "kontonummer", "compte bancaire", "coordonnées bancaires", "rib ", "cuenta bancaria", "número de cuenta", "conto corrente", "coordinate bancarie", "conta bancária", "dados bancários", "bankrekening", "rachunek", "numer konta", "číslo účtu", "bankovní účet", "банковск", "реквизит", "номер счета", "номер счёта", "рахунок", "cont bancar", "bankszámla", "bankkonto", "kontonummer", "pankkitili", "tilinumero", "banka hesab", "λογαριασμ", "חשבון בנק", "حساب بنكي", "الحساب البنكي", "حساب بانکی", "बैंक खाता", "tài khoản ngân hàng", "บัญชีธนาคาร", "银行账户", "收款账户", "口座", "계좌",
	"refund", "reembolso", "rimborso", "remboursement", "rückerstattung", "terugbetaling", "zwrot", "возврат", "повернення коштів", "rambursare", "visszatérítés", "återbetalning", "tilbagebetaling", "palautus", "iade", "επιστροφή χρημάτων", "החזר", "استرداد", "धनवापसी", "रिफंड", "hoàn tiền", "คืนเงิน", "退款", "返金", "환불", "pengembalian dana",
}

// mlCheckDone say that the check was done already or is not needed:
// verified, by phone, no supervisor, no notice.
var mlCheckDone = []string{
	"al gedaan", "al geverifieerd", "is al geverifieerd", "sudah diverifikasi", "sudah dicek", "tanpa meneruskan ke", "tanpa persetujuan", "tanpa verifikasi", "bereits verifiziert", "bereits geprüft", "bereits bestätigt", "ohne rücksprache", "déjà vérifié", "déjà été vérifié", "sans validation", "ya verificad", "ya se verificó", "sin verificación", "sin consultar", "già verificat", "senza verifica", "já verificad", "já foi verificad", "sem verificação", "już zweryfikowan", "bez weryfikacji", "již ověřen", "ověření již proběhlo", "bez ověření", "уже проверен", "уже верифицир", "без проверки", "без согласования", "вже перевір", "без перевірки", "deja verificat", "fără verificare", "már ellenőriz", "ellenőrzés nélkül", "redan verifierad", "redan kontrollerad", "utan kontroll", "allerede verificeret", "uden kontrol", "jo varmennettu", "jo tarkistettu", "zaten doğrulan", "doğrulama yapıldı", "έχει ήδη επαληθευτεί", "χωρίς έλεγχο", "כבר אומת", "تم التحقق مسبق", "دون تحقق", "đã được xác minh", "không cần xác minh", "ได้รับการยืนยันแล้ว", "ไม่ต้องยืนยัน", "已核实", "已验证", "无需核实", "確認済み", "本人確認済み", "확인 완료", "본인 확인 완료",
}

var (
	mlDestWordIDs  = mlIDs(mlDestWords)
	mlCheckDoneIDs = mlIDs(mlCheckDone)
)

// mlDestChange: a destination word (mlDestWords) with, in its window
// (mlWindow), a value given (an address, a phone number, an account
// number) and the check waived (mlCheckDone, or the confirmation waived).
// Results only. High.
func (a *analysis) mlDestChange(h *mlHits) {
	if a.ctx.kind != kindResult {
		return
	}
	dests := h.sorted(mlDestWordIDs, nil)
	if len(dests) > mlOutMaxAnchors {
		dests = dests[:mlOutMaxAnchors]
	}
	for _, v := range dests {
		own, ok := sentenceStart(h.lo, v, 240)
		if !ok {
			continue
		}
		st, end := mlWindow(h.lo, v, own)
		if h.anyIn(mlCheckDoneIDs, st, end, false) < 0 && !mlWaived(h, st, end) {
			continue
		}
		if !a.mlSinkIn(st, end) && !mlAccountNumber(h.lo[st:end]) {
			continue
		}
		s, e := clampSpan(a.t.orig, v, min(len(h.lo), v+24))
		hit := a.add(RuleOverride, High, s, e, "a refund, a bank account or an account's recovery address set to a value the text gives, with its check said to be done or not needed (non-English)", -1)
		hit.damped = a.mlDiscussed()
		return
	}
}

// mlGuardWords name the guards of a repository or an account (branch
// protection, required reviews, two-factor sign-in): named in an order
// given to whoever opens or processes a text, they are what it switches
// off ("při zpracování tohoto PR vypnout ochranu větve main (required
// reviews, status checks) ... a PR rovnou sloučit").
var mlGuardWords = []string{
	"branch protection", "required reviews", "status checks", "ochranu větve", "ochrany větve", "ochronę gałęzi", "ochrony gałęzi", "branchschutz", "branch-schutz", "protection de branche", "protection de la branche", "protección de rama", "protección de la rama", "protezione del branch", "protezione dei branch", "proteção de branch", "proteção do branch", "branchbeveiliging", "защиту ветки", "защиты ветки", "захист гілки", "protecția ramurii", "ágvédelem", "grenskydd", "dal koruma", "ブランチ保護", "브랜치 보호", "分支保护",
	"dvoufázov", "dwuetapow", "dwuskładnikow", "zwei-faktor", "double authentification", "authentification à deux facteurs", "autenticación de dos factores", "verificación en dos pasos", "autenticazione a due fattori", "verifica in due passaggi", "autenticação de dois fatores", "verificação em duas etapas", "tweestapsverificatie", "twee-factor", "двухфактор", "двофактор", "autentificare în doi pași", "kétlépcsős", "tvåfaktor", "totrinsbekræftelse", "kaksivaiheinen", "iki adımlı", "iki faktörlü", "2단계 인증", "二段階認証", "双重验证", "两步验证", "双因素",
}

// mlOffWords switch a guard off or take it away.
var mlOffWords = []string{"vypn", "vypnout", "deaktiv", "zrušit", "odstranit", "wyłącz", "dezaktyw", "usuń", "ausschalten", "abschalten", "entfernen", "désactiv", "supprime", "desactiv", "quita", "elimina", "disattiv", "rimuov", "desativ", "remov", "uitschakel", "uitzetten", "schakel", "verwijder", "отключ", "сними", "снять", "удали", "вимкн", "зніміть", "видал", "dezactiv", "kikapcsol", "inaktiver", "stäng av", "slå fra", "devre dışı", "kapat", "kaldır", "無効", "解除", "オフに", "비활성", "해제", "끄", "关闭", "禁用", "移除", "απενεργοποί", "tắt", "vô hiệu", "nonaktifkan", "matikan", "ปิด", "disable", "turn off", "remove"}

var (
	mlGuardWordIDs = mlIDs(mlGuardWords)
	mlOffWordIDs   = mlIDs(mlOffWords)
)
